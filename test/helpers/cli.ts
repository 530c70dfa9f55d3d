import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'src/cli.ts');
// By path, so the CLI also starts from a directory outside the checkout (`--import tsx` resolves from the cwd).
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** A command that runs the CLI, which it gets as its last arguments (e.g. `unshare ... sh -c '... "$@"' sh`). */
  wrapper?: readonly string[];
  /** Where the CLI's stdout goes: a pipe the test reads (default) or an open file descriptor (/dev/full). */
  stdout?: 'pipe' | number;
  /** A process group of its own, which the test can signal as a terminal's Ctrl-C signals its foreground group. */
  detached?: boolean;
}

/** Starts the `pipeline` command from source (no build needed) as a real child process. */
export function startCli(args: string[], options: StartOptions = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const command = [...(options.wrapper ?? []), process.execPath, '--import', TSX, CLI, ...args];
  const child = spawn(command[0], command.slice(1), {
    cwd: options.cwd ?? ROOT,
    // Example pipelines serve their live view on LIVE_LISTEN; an ephemeral port keeps parallel tests apart.
    // and recordings of example pipelines go to a gitignored folder instead of recordings/.
    env: { LIVE_LISTEN: '127.0.0.1:0', RECORDINGS_DIR: 'test-artifacts/recordings', ...process.env, ...options.env },
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** Runs the command to completion, killing it (by PID) if it outlives `timeoutMs`. */
export async function runCli(args: string[], options: StartOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const { child, done } = startCli(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  try {
    return await done;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when `predicate` holds for the text a stream has printed so far (bounded by `timeoutMs`). */
export function waitForOutput(stream: NodeJS.ReadableStream, predicate: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => {
      stream.off('data', onData);
      reject(new Error(`timed out waiting for output; got: ${text.slice(-500)}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      text += d.toString();
      if (predicate(text)) {
        clearTimeout(timer);
        stream.off('data', onData);
        resolve(text);
      }
    };
    stream.on('data', onData);
  });
}
