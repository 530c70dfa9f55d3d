import { Writable } from 'node:stream';
import pino from 'pino';
import { COMPONENTS } from '../../../src/components.js';
import type { Batch } from '../../../src/core/batch.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { Registry } from '../../../src/core/registry.js';
import { type RunResult, Runner } from '../../../src/core/runner/runner.js';
import { collectSink } from '../../helpers/components.js';

export interface RunningPipeline {
  readonly runner: Runner;
  /** The live view's address, read from the sink's "live view at" log line. */
  readonly url: string;
  readonly done: Promise<RunResult>;
}

/** Runs a pipeline in this process with the real runner (and the `collect` test sink) until its live view listens. */
export async function startPipeline(text: string, timeoutMs = 10_000): Promise<RunningPipeline> {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const runner = new Runner(loadPipelineText(text, new Registry([...COMPONENTS, collectSink])), { log: pino({ level: 'info' }, logStream) });
  const done = runner.run();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = lines.find((l) => l.includes('"url"'));
    if (line) return { runner, url: JSON.parse(line).url, done };
    if (Date.now() > deadline) {
      runner.stop();
      throw new Error(`the live view did not start: ${lines.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Rows and seq gaps in simulator record batches: the per-frame u16 seq column steps by 0 or 1 (wrapping). */
export function seqGaps(batches: readonly Batch[]): { rows: number; gaps: number } {
  let rows = 0;
  let gaps = 0;
  let last: number | undefined;
  for (const batch of batches) {
    if (batch.kind !== 'records') continue;
    const seq = batch.columns.seq as Uint16Array;
    for (let i = 0; i < batch.length; i++) {
      if (last !== undefined && seq[i] !== last && seq[i] !== ((last + 1) & 0xffff)) gaps++;
      last = seq[i];
    }
    rows += batch.length;
  }
  return { rows, gaps };
}
