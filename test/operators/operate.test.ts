import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { type Batch, type RecordsBatch, bytesBatch, recordsBatch } from '../../src/core/batch.js';
import { MetricsRegistry } from '../../src/core/metrics.js';
import { bySource, operate } from '../../src/operators/operate.js';

const rows = (source: string, values: number[]): RecordsBatch => recordsBatch(source, [{ name: 'v', type: 'f64' }], { v: Float64Array.from(values) }, values.length);

/** Sums `v` per stream and emits each stream's total when the input completes. */
const totals = (keyed: boolean, metrics?: MetricsRegistry, maxStreams?: number) =>
  operate({
    input: 'records',
    ...(keyed ? { streamKey: bySource } : {}),
    metrics: metrics?.register('sum', 'operator', 'sum'),
    maxStreams,
    state: () => ({ source: '', sum: 0 }),
    next(batch: RecordsBatch, _emit, state) {
      state.source = batch.source;
      for (const v of batch.columns.v as Float64Array) state.sum += v;
    },
    flush(emit, state) {
      emit(rows(state.source, [state.sum]));
    },
  });

const summary = (batch: Batch) => (batch.kind === 'records' ? `${batch.source}=${Array.from(batch.columns.v as Float64Array).join(',')}` : batch.kind);

function scheduler() {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('operate', () => {
  it('flushes on completion, once per stream (least recently active first), and shares one state without a stream key', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a-b-c-|', { a: rows('x', [1, 2]), b: rows('y', [10]), c: rows('x', [3]) });
      expectObservable(input.pipe(totals(true)).pipe(map(summary))).toBe('-------(pq|)', { p: 'y=10', q: 'x=6' });
      expectObservable(input.pipe(totals(false)).pipe(map(summary))).toBe('-------(p|)', { p: 'x=16' });
    });
  });

  it('tears down on unsubscribe without flushing', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const input = hot('-a-b-c-|', { a: rows('x', [1]), b: rows('y', [2]), c: rows('x', [3]) });
      expectObservable(input.pipe(totals(true)).pipe(map(summary)), '^---!').toBe('-----');
      expectSubscriptions(input.subscriptions).toBe('^---!');
    });
  });

  it('passes upstream errors on without flushing, and turns what a step throws into an error', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const failing = cold('-a-#', { a: rows('x', [1]) }, new Error('device gone'));
      expectObservable(failing.pipe(totals(true))).toBe('---#', undefined, new Error('device gone'));

      const wrongKind = hot('-a-b-c-|', { a: rows('x', [1]), b: bytesBatch('x', Buffer.from([1]), 0), c: rows('x', [2]) });
      expectObservable(wrongKind.pipe(totals(true))).toBe('---#', undefined, new Error('takes records batches, got bytes'));
      expectSubscriptions(wrongKind.subscriptions).toBe('^--!');

      const throwing = operate({
        input: 'records',
        next() {
          throw 'not an Error object';
        },
      });
      expectObservable(cold('-a-|', { a: rows('x', [1]) }).pipe(throwing)).toBe('-#', undefined, new Error('not an Error object'));
    });
  });

  it('keeps at most maxStreams streams: the least recently seen one is flushed and counted', () => {
    const metrics = new MetricsRegistry();
    scheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a-b-c-d-|', { a: rows('x', [1]), b: rows('y', [2]), c: rows('x', [3]), d: rows('z', [4]) });
      // At d, x was seen more recently than y, so y goes.
      expectObservable(input.pipe(totals(true, metrics, 2)).pipe(map(summary))).toBe('-------p-(qr|)', { p: 'y=2', q: 'x=4', r: 'z=4' });
    });
    expect(metrics.get('sum')!.counters.get('streams_evicted')).toBe(1);
  });
});
