import { describe, expect, it } from 'vitest';
import { type Batch, type RecordsBatch, recordsBatch } from '../../../src/core/batch.js';
import type { SinkInstance, WhenFull } from '../../../src/core/component.js';
import { MetricsRegistry } from '../../../src/core/metrics.js';
import { SinkDriver } from '../../../src/core/runner/sink-driver.js';
import { waitFor } from '../../helpers/wait.js';

function rows(first: number, n: number): Batch {
  return recordsBatch('src', [{ name: 'seq', type: 'u32' }], { seq: new Uint32Array(n).map((_, i) => first + i) }, n);
}

/**
 * A sink whose writes wait until the test opens the gate, and which logs every write and sync in
 * order, so a test sees exactly what a barrier waited for.
 */
class GatedSink implements SinkInstance {
  readonly log: string[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  failWriteAt = 0;
  failSync = false;
  private writes = 0;

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async write(batch: Batch): Promise<void> {
    await this.gate;
    if (++this.writes === this.failWriteAt) throw new Error('disk full');
    this.log.push(`write ${((batch as RecordsBatch).columns.seq as Uint32Array)[0]}`);
  }

  async sync(): Promise<void> {
    this.log.push('sync');
    if (this.failSync) throw new Error('fsync failed');
  }

  async close(): Promise<void> {
    this.log.push('close');
  }
}

function driver(sink: SinkInstance, whenFull: WhenFull = 'block', maxBatches = 100) {
  const metrics = new MetricsRegistry().register('recording', 'sink', 'gated');
  const lossyErrors: unknown[] = [];
  const d = new SinkDriver(sink, metrics, { whenFull, maxBatches, maxBytes: 1 << 30, upstream: [], onLossyWriteError: (e) => lossyErrors.push(e) });
  return { d, metrics, lossyErrors };
}

/** Tracks whether a promise settled, without awaiting it. */
function settled(promise: Promise<void>) {
  const state = { done: false, error: undefined as Error | undefined };
  promise.then(
    () => (state.done = true),
    (error: Error) => {
      state.done = true;
      state.error = error;
    },
  );
  return state;
}

describe('sink driver barrier', () => {
  it('with when_full: block, resolves after every batch pushed before it is written and synced', async () => {
    const sink = new GatedSink();
    const { d } = driver(sink);
    sink.hold();
    d.push(rows(0, 10));
    d.push(rows(10, 10));
    const barrier = settled(d.barrier());
    d.push(rows(20, 10)); // pushed after the barrier: not waited for
    // Bounded: the writes are held, so the barrier must not resolve however long we look.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(barrier.done).toBe(false);
    expect(sink.log).toEqual([]);
    sink.release();
    await waitFor(() => barrier.done, 'barrier');
    expect(barrier.error).toBeUndefined();
    expect(sink.log.slice(0, 3)).toEqual(['write 0', 'write 10', 'sync']);
    d.end();
    await d.completion;
    expect(sink.log).toEqual(['write 0', 'write 10', 'sync', 'write 20', 'close']);
  });

  it('coalesces barriers that wait together into one sync, and syncs nothing when nothing was written', async () => {
    const sink = new GatedSink();
    const { d } = driver(sink);
    sink.hold();
    d.push(rows(0, 5));
    const barriers = Array.from({ length: 50 }, () => d.barrier());
    sink.release();
    await Promise.all(barriers);
    expect(sink.log).toEqual(['write 0', 'sync']);
    await d.barrier();
    await d.barrier();
    expect(sink.log).toEqual(['write 0', 'sync']);
    d.end();
    await d.completion;
    // Closed: a barrier resolves at once, the rows are in closed files.
    await d.barrier();
    expect(sink.log).toEqual(['write 0', 'sync', 'close']);
  });

  it('with a lossy policy, counts the dropped batches and resolves after the rest is written', async () => {
    const sink = new GatedSink();
    const { d, metrics } = driver(sink, 'drop_newest', 1);
    sink.hold();
    d.push(rows(0, 1)); // taken by the writer at once
    d.push(rows(1, 1)); // queued: the buffer is full
    d.push(rows(2, 1)); // dropped
    const barrier = d.barrier();
    sink.release();
    await barrier;
    expect(sink.log).toEqual(['write 0', 'write 1', 'sync']);
    expect(metrics.counters.get('dropped_items')).toBe(1);
    expect(d.droppedItems).toBe(1);
  });

  it('with a lossy policy, counts a failed write as dropped and resolves', async () => {
    const sink = new GatedSink();
    sink.failWriteAt = 1;
    const { d, metrics, lossyErrors } = driver(sink, 'drop_oldest');
    d.push(rows(0, 3));
    d.push(rows(3, 3));
    await d.barrier();
    expect(sink.log).toEqual(['write 3', 'sync']);
    expect(metrics.errors.get('write_failed')).toBe(1);
    expect(d.droppedItems).toBe(3);
    expect(lossyErrors).toHaveLength(1);
  });

  it('with when_full: block, rejects when a write fails, and every later barrier too', async () => {
    const sink = new GatedSink();
    sink.failWriteAt = 2;
    const { d } = driver(sink);
    d.push(rows(0, 1));
    d.push(rows(1, 1));
    await expect(d.barrier()).rejects.toThrow('disk full');
    await expect(d.barrier()).rejects.toThrow('disk full');
    await expect(d.completion).rejects.toThrow('disk full');
    expect(sink.log).toEqual(['write 0']);
  });

  it('with when_full: block, fails the sink when the sync fails; a lossy sink counts it and goes on', async () => {
    const blocking = new GatedSink();
    blocking.failSync = true;
    const block = driver(blocking);
    block.d.push(rows(0, 1));
    await expect(block.d.barrier()).rejects.toThrow('fsync failed');
    await expect(block.d.completion).rejects.toThrow('fsync failed');

    const lossySink = new GatedSink();
    lossySink.failSync = true;
    const lossy = driver(lossySink, 'drop_newest');
    lossy.d.push(rows(0, 1));
    await lossy.d.barrier();
    expect(lossy.metrics.errors.get('sync_failed')).toBe(1);
    lossy.d.push(rows(1, 1));
    lossy.d.end();
    await lossy.d.completion;
    expect(lossySink.log).toEqual(['write 0', 'sync', 'write 1', 'close']);
  });

  it('rejects waiting barriers when aborted, since queued batches are discarded unwritten', async () => {
    const sink = new GatedSink();
    const { d } = driver(sink);
    sink.hold();
    d.push(rows(0, 1));
    d.push(rows(1, 1));
    const barrier = d.barrier();
    d.abort();
    await expect(barrier).rejects.toThrow('stopped before every batch was written');
    await expect(d.barrier()).rejects.toThrow('stopped before every batch was written');
    sink.release();
    await d.completion;
  });

  it('resolves for a sink without sync once the writes are done', async () => {
    const written: number[] = [];
    const { d } = driver({ write: (b) => void written.push(b.kind === 'records' ? b.length : 0), close: async () => undefined });
    d.push(rows(0, 4));
    await d.barrier();
    expect(written).toEqual([4]);
  });
});
