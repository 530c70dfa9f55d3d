import { map, Observable, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMPONENTS } from '../../../src/components.js';
import { type Batch, recordsBatch } from '../../../src/core/batch.js';
import { defineOperator } from '../../../src/core/component.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { silentLogger } from '../../../src/core/log.js';
import { Registry } from '../../../src/core/registry.js';
import { Runner } from '../../../src/core/runner/runner.js';
import { collected, collectSink, passOperator } from '../../helpers/components.js';
import { waitFor } from '../../helpers/wait.js';

const boomOperator = defineOperator({
  type: 'boom',
  summary: 'Fails on the nth batch.',
  options: z.strictObject({ at: z.number().meta({ description: 'Batch that fails.', examples: [3] }) }),
  input: 'records',
  output: 'records',
  create: (o) => {
    let n = 0;
    return map((b: Batch) => {
      if (++n === o.at) throw new Error('sensor value out of range');
      return b;
    });
  },
});

/** Counts rows and emits one summary batch only when its input completes (a flush), plus a side output. */
const totalOperator = defineOperator({
  type: 'total',
  summary: 'Emits the row total when the input ends; sends every 10th batch to "tenth".',
  options: z.strictObject({}),
  input: 'records',
  output: 'records',
  outputs: () => ({ tenth: 'records' }),
  create: (_o, context): OperatorFunction<Batch, Batch> => (source) =>
    new Observable<Batch>((subscriber) => {
      let rows = 0;
      let batches = 0;
      return source.subscribe({
        next: (b) => {
          rows += (b as { length: number }).length;
          if (++batches % 10 === 0) context.emit('tenth', b);
        },
        error: (e) => subscriber.error(e),
        complete: () => {
          subscriber.next(recordsBatch(context.id, [{ name: 'rows', type: 'f64' }], { rows: new Float64Array([rows]) }, 1));
          subscriber.complete();
        },
      });
    }),
});

const registry = new Registry([...COMPONENTS, passOperator, collectSink, boomOperator, totalOperator]);

function runner(text: string): Runner {
  return new Runner(loadPipelineText(text, registry), { log: silentLogger });
}

/**
 * Sees every value written to a numeric field (not samples of it): calls `seen` on each write. The
 * runner registers a component's metrics before any source connects, so nothing is missed.
 */
function watchWrites<T extends object>(target: T, key: keyof T & string, seen: (value: number) => void): void {
  let value = target[key] as number;
  Object.defineProperty(target, key, {
    get: () => value,
    set: (next: number) => {
      value = next;
      seen(next);
    },
  });
}

describe('runner', () => {
  it('with when_full: block, pauses the source instead of growing the buffer, and loses nothing', async () => {
    const r = runner(`
sources: { node: { type: simulator, rate: max, emit: records, frames: 4000, batch_frames: 40 } }
transforms: { t: { inputs: [node], steps: [ { type: pass } ] } }
sinks: { slow: { type: collect, inputs: [t], delay_ms: 2, when_full: block, buffer: { max_batches: 4 } } }
`);
    let maxDepth = 0;
    const running = r.run();
    watchWrites(r.metrics.get('slow')!, 'queueDepth', (depth) => (maxDepth = Math.max(maxDepth, depth)));
    const result = await running;
    expect(result.reason).toBe('completed');
    expect(collected.get('slow')!.items).toBe(4000 * 25);
    // The source stops within one batch of the high-water mark.
    expect(maxDepth).toBeGreaterThan(0);
    expect(maxDepth).toBeLessThanOrEqual(5);
    expect(r.metrics.get('slow')!.drops).toBe(0);
  });

  it('keeps RSS bounded with a slow blocking sink while the simulator runs at rate: max', async () => {
    const r = runner(`
sources: { node: { type: simulator, rate: max, emit: records, batch_frames: 400 } }
sinks: { slow: { type: collect, inputs: [node], delay_ms: 20, when_full: block, buffer: { max_batches: 8 } } }
`);
    global.gc?.();
    const before = process.memoryUsage.rss();
    let peak = before;
    let maxDepth = 0;
    const running = r.run();
    // Memory is read at every change of the sink's queue, so the peak of the queue is among them.
    watchWrites(r.metrics.get('slow')!, 'queueDepth', (depth) => {
      maxDepth = Math.max(maxDepth, depth);
      peak = Math.max(peak, process.memoryUsage.rss());
    });
    // 40 slow writes (at least 0.8 s): unbounded, the simulator would have queued hundreds of MB
    // by then (it makes ~10k rows per ms).
    await waitFor(() => collected.get('slow')!.items >= 40 * 400 * 25, '40 writes to the slow sink', 30_000);
    r.stop();
    const result = await running;
    expect(result.reason).toBe('stopped');
    expect(maxDepth).toBeLessThanOrEqual(9);
    expect(peak - before).toBeLessThan(100 * 1024 * 1024);
    expect(r.metrics.get('slow')!.queueDepth).toBe(0);
    expect(collected.get('slow')!.items).toBe(r.metrics.get('node')!.itemsOut);
  });

  it('with drop_oldest, counts drops exactly: delivered + dropped = produced', async () => {
    const r = runner(`
sources: { node: { type: simulator, rate: max, emit: records, frames: 3000, batch_frames: 10 } }
sinks: { slow: { type: collect, inputs: [node], delay_ms: 3, when_full: drop_oldest, buffer: { max_batches: 3 } } }
`);
    await r.run();
    const produced = r.metrics.get('node')!.itemsOut;
    const sink = r.metrics.get('slow')!;
    expect(produced).toBe(3000 * 25);
    expect(sink.drops).toBeGreaterThan(0);
    expect(collected.get('slow')!.items + sink.counters.get('dropped_items')!).toBe(produced);
    expect(sink.itemsIn).toBe(collected.get('slow')!.items);
  });

  it('gives a fast lossless sink everything while a slow lossy sink on the same source drops', async () => {
    const r = runner(`
sources: { node: { type: simulator, rate: max, emit: records, frames: 2000, batch_frames: 10 } }
sinks:
  fast: { type: collect, inputs: [node] }
  viewer: { type: collect, inputs: [node], delay_ms: 5, when_full: sample, buffer: { max_batches: 2 } }
`);
    await r.run();
    expect(collected.get('fast')!.items).toBe(2000 * 25);
    const viewer = r.metrics.get('viewer')!;
    expect(viewer.drops).toBeGreaterThan(0);
    expect(collected.get('viewer')!.items + viewer.counters.get('dropped_items')!).toBe(2000 * 25);
    // The lossy sink never held the source: only blocking buffers pause it.
    expect(r.metrics.get('fast')!.drops).toBe(0);
  });

  it('flushes operators at a graceful stop and wires named side outputs', async () => {
    const r = runner(`
sources: { node: { type: simulator, rate: realtime, emit: records, tick: 5ms } }
transforms: { totals: { inputs: [node], steps: [ { type: total } ] } }
sinks:
  out: { type: collect, inputs: [totals], keep: true }
  tenth: { type: collect, inputs: [totals.tenth] }
`);
    const running = r.run();
    await r.flowing;
    await waitFor(() => r.metrics.get('node')!.batchesOut >= 25, '25 batches from the source');
    r.stop();
    const result = await running;
    expect(result.reason).toBe('stopped');
    const out = collected.get('out')!;
    expect(out.closed).toBe(true);
    expect(out.batches).toHaveLength(1);
    const rows = (out.batches[0] as unknown as { columns: { rows: Float64Array } }).columns.rows[0];
    expect(rows).toBe(r.metrics.get('node')!.itemsOut);
    expect(rows).toBeGreaterThan(0);
    expect(collected.get('tenth')!.closed).toBe(true);
    expect(collected.get('tenth')!.items).toBeGreaterThan(0);
    expect(r.metrics.get('totals/total')!.counters.get('emitted_tenth')).toBe(Math.floor(r.metrics.get('node')!.batchesOut / 10));
  });

  it('names the component that failed and still closes every sink', async () => {
    const r = runner(`
sources: { node: { type: simulator, rate: max, emit: records, frames: 1000, batch_frames: 10 } }
transforms: { checked: { inputs: [node], steps: [ { type: pass }, { type: boom, at: 5 } ] } }
sinks: { out: { type: collect, inputs: [checked] } }
`);
    const result = await r.run();
    expect(result.reason).toBe('failed');
    expect(result.error?.message).toBe('component "checked/boom" failed: sensor value out of range');
    expect(collected.get('out')!.closed).toBe(true);
  });

  it('stops on a failed write to a blocking sink, but counts and skips it on a lossy one', async () => {
    const plan = (whenFull: string) => `
sources: { node: { type: simulator, rate: max, emit: records, frames: 200, batch_frames: 10 } }
sinks:
  flaky: { type: collect, inputs: [node], fail_at: 3, when_full: ${whenFull} }
  safe: { type: collect, inputs: [node] }
`;
    const lossy = await runner(plan('drop_newest')).run();
    expect(lossy.reason).toBe('completed');
    expect(lossy.metrics.get('flaky')!.errors.get('write_failed')).toBe(1);
    expect(collected.get('flaky')!.items + lossy.metrics.get('flaky')!.counters.get('dropped_items')!).toBe(200 * 25);
    const blocking = await runner(plan('block')).run();
    expect(blocking.reason).toBe('failed');
    expect(blocking.error?.message).toBe('component "flaky" failed: disk full (write 3)');
    expect(collected.get('safe')!.closed).toBe(true);
  });

  it('shares one source subscription among several consumers', async () => {
    const r = runner(`
sources: { node: { type: simulator, rate: max, emit: records, frames: 500, batch_frames: 50, seed: 3 } }
transforms:
  a: { inputs: [node], steps: [ { type: pass } ] }
  b: { inputs: [node], steps: [ { type: pass } ] }
sinks: { out: { type: collect, inputs: [a, b], keep: true } }
`);
    await r.run();
    expect(r.metrics.get('node')!.batchesOut).toBe(10);
    const batches = collected.get('out')!.batches;
    expect(batches).toHaveLength(20);
    // The same batch objects reach both branches: one subscription, no copies.
    expect(new Set(batches).size).toBe(10);
  });
});
