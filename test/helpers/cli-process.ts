import type { ChildProcess } from 'node:child_process';
import { type StartOptions, startCli } from './cli.js';

/**
 * A running `pipeline ...` child (started by startCli, so with the tests' ephemeral live-view port
 * and recordings folder) whose output a test can wait on and which it stops by PID.
 */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], options: StartOptions = {}) {
    const { child, done } = startCli(args, options);
    this.child = child;
    this.child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = done.then((result) => result.code);
  }

  /** Resolves with the first match of `pattern` in stdout + stderr; fails after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = (this.stderr + this.stdout).match(pattern);
      if (match) return match;
      if (Date.now() > deadline || this.child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${this.stderr}\n${this.stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Sends `signal` to the process by PID and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.child.pid!, signal);
    return this.exited;
  }
}
