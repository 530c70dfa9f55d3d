import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/**
 * A pseudo-terminal pair from socat with stable link paths: `dev` plays the device node the source
 * opens, `host` the device's side the test writes to. `stop()` is an unplug (socat exits and removes
 * the links), `start()` again a replug on the same paths.
 */
export class PtyPair {
  readonly dev: string;
  readonly host: string;
  private child: ChildProcess | undefined;

  constructor(dir: string) {
    this.dev = path.join(dir, 'dev');
    this.host = path.join(dir, 'host');
  }

  /** Starts socat and resolves once it has made both links and entered its transfer loop. */
  start(timeoutMs = 10_000): Promise<void> {
    const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.dev}`, `pty,raw,echo=0,link=${this.host}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    return new Promise((resolve, reject) => {
      let log = '';
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`socat did not start within ${timeoutMs} ms: ${log}`)), timeoutMs);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      child.once('error', fail);
      child.once('exit', (code) => fail(new Error(`socat exited with ${code}: ${log}`)));
      child.stderr!.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (!settled && log.includes('starting data transfer loop')) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  /** Stops socat by its PID (SIGTERM, so it removes its links) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  }
}
