import { map } from 'rxjs';
import { z } from 'zod';
import type { Batch } from '../../src/core/batch.js';
import { defineOperator, defineSink } from '../../src/core/component.js';

/**
 * Small real components for engine tests: they go through the same registry, validation and runner
 * as shipped ones. `frames_only` exists to test kind checking; `collect` keeps what it is given and
 * can be made slow to exercise backpressure.
 */
export const framesOnlyOperator = defineOperator({
  type: 'frames_only',
  summary: 'Takes frames, gives frames (engine tests).',
  options: z.strictObject({}),
  input: 'frames',
  output: 'frames',
  create: () => map((b: Batch) => b),
});

export const passOperator = defineOperator({
  type: 'pass',
  summary: 'Passes batches on unchanged (engine tests and benchmarks).',
  options: z.strictObject({}),
  input: 'records',
  output: 'records',
  create: () => map((b: Batch) => b),
});

export interface Collected {
  batches: Batch[];
  items: number;
  closed: boolean;
}

/** Sinks by id, so a test can look at what each one received. */
export const collected = new Map<string, Collected>();

export const collectSink = defineSink({
  type: 'collect',
  summary: 'Collects batches in memory, optionally waiting per write (engine tests).',
  options: z.strictObject({
    delay_ms: z.number().default(0).meta({ description: 'Wait per write.', examples: [5] }),
    keep: z.boolean().default(false).meta({ description: 'Keep the batches, not just count them.', examples: [true] }),
    fail_at: z.number().int().default(0).meta({ description: 'Fail this write (1-based; 0: never).', examples: [3] }),
  }),
  input: ['bytes', 'frames', 'records'],
  defaultWhenFull: 'block',
  create(o, context) {
    const state: Collected = { batches: [], items: 0, closed: false };
    collected.set(context.id, state);
    let writes = 0;
    return {
      async write(batch) {
        if (++writes === o.fail_at) throw new Error(`disk full (write ${writes})`);
        if (o.keep) state.batches.push(batch);
        state.items += batch.kind === 'records' ? batch.length : batch.kind === 'frames' ? batch.count : batch.data.length;
        if (o.delay_ms > 0) await new Promise((r) => setTimeout(r, o.delay_ms));
      },
      async close() {
        state.closed = true;
      },
    };
  },
});
