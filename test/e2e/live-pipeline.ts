import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const HARVEST = 'pipelines/harvest.yml';

/**
 * `--set` overrides that give harvest.yml a live view on an ephemeral port. When the file has no
 * `live` sink yet, one is added on the records the simulator can emit directly.
 */
export function harvestLiveOverrides(listen = '127.0.0.1:0'): string[] {
  const config = parse(readFileSync(HARVEST, 'utf8'));
  const sets = [`sinks.live.listen=${listen}`];
  if (!config.sinks?.live) sets.push('sinks.live.type=websocket', 'sinks.live.inputs=[node]', 'sources.node.emit=records');
  return sets.flatMap((s) => ['--set', s]);
}

export interface PipelineProcess {
  readonly child: ChildProcess;
  readonly url: string;
  stderr(): string;
  /** SIGINT (a clean stop) and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `pipeline run` as a child process and waits for the live view's "live view at" log line. */
export async function startPipelineProcess(args: string[], timeoutMs = 20_000): Promise<PipelineProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'run', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return exited;
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /"url":"(http:\/\/[^"]+)"/.exec(stderr);
    if (match) return { child, url: match[1], stderr: () => stderr, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`pipeline did not start its live view:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
