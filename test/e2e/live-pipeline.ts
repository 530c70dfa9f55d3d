import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { startCli, waitForOutput } from '../helpers/cli.js';

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
  /** SIGINT (a clean stop) and wait for the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `pipeline run` as a child process and waits for the live view's "live view at" log line. */
export async function startPipelineProcess(args: string[], timeoutMs = 20_000): Promise<PipelineProcess> {
  const { child, done } = startCli(['run', ...args]);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return (await done).code;
  };
  try {
    const text = await waitForOutput(child.stderr!, (t) => /"url":"http:\/\/[^"]+"/.test(t), timeoutMs);
    return { child, url: /"url":"(http:\/\/[^"]+)"/.exec(text)![1], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
