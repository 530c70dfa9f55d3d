import { Writable } from 'node:stream';
import pino from 'pino';
import { z } from 'zod';
import { COMPONENTS } from '../../../src/components.js';
import { type RecordsBatch } from '../../../src/core/batch.js';
import { defineSink, type ComponentDefinition } from '../../../src/core/component.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { Registry } from '../../../src/core/registry.js';
import { type RunResult, Runner } from '../../../src/core/runner/runner.js';

/** Rows and seq gaps seen by every `counting` sink in this process, by sink id. */
export const counted = new Map<string, { rows: number; gaps: number; lastSeq: number | undefined }>();

/**
 * A lossless test sink (when_full: block) standing in for a recording: counts every row and checks
 * that the simulator's per-frame seq column never skips (u16, wraps), so a lost batch shows.
 */
export const countingSink = defineSink({
  type: 'counting',
  summary: 'Counts records and seq gaps (tests only).',
  options: z.strictObject({}),
  input: ['records'],
  defaultWhenFull: 'block',
  create(_options, context) {
    const tally = { rows: 0, gaps: 0, lastSeq: undefined as number | undefined };
    counted.set(context.id, tally);
    return {
      write(batch) {
        const records = batch as RecordsBatch;
        const seq = records.columns.seq as Uint16Array;
        for (let i = 0; i < records.length; i++) {
          if (tally.lastSeq !== undefined && seq[i] !== tally.lastSeq && seq[i] !== ((tally.lastSeq + 1) & 0xffff)) tally.gaps++;
          tally.lastSeq = seq[i];
        }
        tally.rows += records.length;
      },
      async close() {},
    };
  },
});

export interface RunningPipeline {
  readonly runner: Runner;
  /** The live view's address, read from the sink's "live view at" log line. */
  readonly url: string;
  readonly done: Promise<RunResult>;
}

/** Runs a pipeline in this process with the real runner and waits until its live view listens. */
export async function startPipeline(text: string, timeoutMs = 10_000): Promise<RunningPipeline> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const log = pino({ level: 'info' }, sink);
  const registry = new Registry([...(COMPONENTS as ComponentDefinition[]), countingSink]);
  const runner = new Runner(loadPipelineText(text, registry), { log });
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
