import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** What one run of a program cost, as `/usr/bin/time -v` saw it, and the JSON line it printed. */
export interface Measured {
  readonly wallS: number;
  readonly cpuS: number;
  readonly peakRssMb: number;
  /** The last stdout line that parses as a JSON object (each peer prints one). */
  readonly result: Record<string, unknown>;
}

export const GNU_TIME = '/usr/bin/time';

export function haveGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

/**
 * Runs `command args` under `/usr/bin/time -v` and returns wall time (measured here), CPU seconds
 * (user + system, children included) and peak RSS. Fails with the program's stderr when it exits
 * non-zero or runs past `timeoutMs` (then it is killed by its PID).
 */
export function measure(command: string, args: readonly string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // Its own process group, so a timeout kills the measured program too, not only /usr/bin/time.
    const child = spawn(GNU_TIME, ['-v', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      process.kill(-child.pid!, 'SIGKILL');
    }, options.timeoutMs ?? 15 * 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallS = (performance.now() - started) / 1000;
      if (timedOut) return reject(new Error(`${command} ${args.join(' ')} ran past ${options.timeoutMs} ms and was killed`));
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}:\n${stdout.slice(-1000)}\n${stderr.slice(-1000)}`));
      const field = (label: string) => Number(new RegExp(`${label}: ([0-9.]+)`).exec(stderr)?.[1] ?? NaN);
      resolve({
        wallS,
        cpuS: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'),
        peakRssMb: field('Maximum resident set size \\(kbytes\\)') / 1024,
        result: lastJsonLine(stdout),
      });
    });
  });
}

export function lastJsonLine(text: string): Record<string, unknown> {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      // not JSON after all; keep looking
    }
  }
  return {};
}
