import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { RecordsBatch } from '../../src/core/batch.js';
import { buildOperator, runOperator, standaloneContext } from '../../src/core/standalone.js';
import { window } from '../../src/operators/window/index.js';
import { SPLITS, batchOf, flatten, split } from './records-helpers.js';

const MS = 1e6;

/** Records at the given times (ms) with a value column. */
function series(times: number[], values: number[]): RecordsBatch {
  return batchOf(
    [
      { name: 'host_time_ns', type: 'f64', time: 'host' },
      { name: 'bytes', type: 'u32', unit: 'B' },
    ],
    { host_time_ns: Float64Array.from(times, (t) => t * MS), bytes: Uint32Array.from(values) },
  );
}

describe('window', () => {
  it('computes tumbling-window count, rate and field statistics on data time', async () => {
    // 10 ms steps from 0 to 2490 ms: windows [0,1s) and [1s,2s) complete, [2s,3s) cut at the end.
    const times = Array.from({ length: 250 }, (_, k) => k * 10);
    const values = times.map((_, k) => (k % 4) * 100);
    const { output } = await runOperator(window, { every: '1s', fields: ['bytes'], stats: ['count', 'rate', 'min', 'max', 'mean', 'stddev', 'sum', 'per_second'] }, [series(times, values)]);
    const rows = flatten(output);
    expect(rows.window_start).toEqual([0, 1000 * MS, 2000 * MS]);
    expect(rows.window_end).toEqual([1000 * MS, 2000 * MS, 3000 * MS]);
    expect(rows.count).toEqual([100, 100, 50]);
    expect(rows.rate).toEqual([100, 100, 50]);
    expect(rows.bytes_min).toEqual([0, 0, 0]);
    expect(rows.bytes_max).toEqual([300, 300, 300]);
    expect(rows.bytes_mean).toEqual([150, 150, 146]); // the cut window ends on 0, 100
    expect(rows.bytes_sum).toEqual([15000, 15000, 7300]);
    expect(rows.bytes_per_second).toEqual([15000, 15000, 7300]);
    // Population standard deviation of 0, 100, 200, 300 repeated: sqrt(12500).
    for (const s of rows.bytes_stddev.slice(0, 2)) expect(s).toBeCloseTo(Math.sqrt(12500), 9);
    expect(rows.complete).toEqual([1, 1, 0]);
    const out = output[0] as RecordsBatch;
    expect(out.schema.fields.find((f) => f.name === 'bytes_per_second')?.unit).toBe('B/s');
    expect(out.schema.fields.find((f) => f.name === 'window_end')?.time).toBe('host');
  });

  it('computes nearest-rank p50 and p99, and slides by whole steps', async () => {
    const times = Array.from({ length: 100 }, (_, k) => k * 10);
    const values = times.map((_, k) => 100 - k); // 100 .. 1 in one second
    const { output } = await runOperator(window, { every: '1s', fields: ['bytes'], stats: ['p50', 'p99'] }, [series(times, values)]);
    expect(flatten(output)).toMatchObject({ bytes_p50: [50], bytes_p99: [99] });

    const { output: sliding } = await runOperator(window, { every: '300ms', slide: '100ms', stats: ['count'] }, [series(times, values)]);
    const rows = flatten(sliding);
    // Windows lie wholly inside the data: the first one is [0, 300ms).
    expect(rows.window_start.slice(0, 3)).toEqual([0, 100 * MS, 200 * MS]);
    expect(rows.count).toEqual([30, 30, 30, 30, 30, 30, 30, 30]);
    expect(rows.complete.at(-1)).toBe(0);
  });

  it('keeps a constant exact and a variance on a large offset accurate, also when merging slides', async () => {
    const times = Array.from({ length: 1000 }, (_, k) => k);
    const volts = batchOf([{ name: 't', type: 'f64', time: 'device' }, { name: 'v', type: 'f64' }], { t: Float64Array.from(times, (t) => t * MS), v: new Float64Array(1000).fill(666666667 * 3e-9) });
    const { output } = await runOperator(window, { every: '100ms', slide: '10ms', fields: ['v'], stats: ['mean', 'stddev'] }, [volts]);
    const rows = flatten(output);
    expect(rows.v_mean.every((m) => m === 666666667 * 3e-9)).toBe(true);
    expect(rows.v_stddev.every((s) => s === 0)).toBe(true);
    const offset = batchOf([{ name: 't', type: 'f64', time: 'device' }, { name: 'v', type: 'f64' }], { t: Float64Array.from(times, (t) => t * MS), v: Float64Array.from(times, (k) => 1e12 + (k % 4)) });
    const { output: big } = await runOperator(window, { every: '100ms', slide: '20ms', fields: ['v'], stats: ['mean', 'stddev'] }, [offset]);
    for (const m of flatten(big).v_mean) expect(m).toBe(1e12 + 1.5);
    for (const sd of flatten(big).v_stddev) expect(sd).toBeCloseTo(Math.sqrt(1.25), 12);
  });

  it('reports empty windows inside a gap with count 0, and restarts when time goes backwards', async () => {
    const { output, context } = await runOperator(window, { every: '100ms', fields: ['bytes'] }, [series([0, 50, 420, 430, 10, 20], [1, 2, 3, 4, 5, 6])]);
    const rows = flatten(output);
    expect(rows.window_start).toEqual([0, 100, 200, 300, 400, 0].map((t) => t * MS));
    expect(rows.count).toEqual([2, 0, 0, 0, 2, 2]);
    expect(rows.bytes_mean.slice(0, 2)).toEqual([1.5, NaN]);
    expect(context.metrics.errors.get('time_backwards')).toBe(1);
  });

  it('refuses a window shorter than the data\'s time step, with an explanation', async () => {
    const times = Array.from({ length: 50 }, (_, k) => k * 10);
    await expect(runOperator(window, { every: '5ms' }, [series(times, times)])).rejects.toThrow(
      "every (5ms) is shorter than the data's time step (10ms): most windows would hold 0 or 1 records and every rate computed from them would be biased. Use a window of at least 100ms (10 steps or more).",
    );
    // Rows sharing one timestamp (the samples of a frame) do not shorten the step.
    const framed = times.flatMap((t) => [t, t, t]);
    await expect(runOperator(window, { every: '5ms' }, [series(framed, framed)])).rejects.toThrow(/time step \(10ms\)/);
    expect(window.options.safeParse({ every: '1s', slide: '300ms' }).success).toBe(false);
    expect(window.options.safeParse({ every: '1s', slide: '2s' }).success).toBe(false);
    expect(window.options.safeParse({ every: '1s', stats: ['median'] }).success).toBe(false);
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and empty batches', async () => {
    const times: number[] = [];
    let t = 3;
    for (let k = 0; k < 6000; k++) {
      t += k % 500 === 0 ? 700 : 1 + (k % 3);
      times.push(t);
    }
    const input = series(times, times.map((x, k) => (x * 31 + k) % 1000));
    for (const config of [
      { every: '100ms', fields: ['bytes'], stats: ['count' as const, 'rate' as const, 'mean' as const, 'stddev' as const, 'p50' as const, 'p99' as const] },
      { every: '50ms', slide: '10ms', fields: ['bytes'] },
    ]) {
      const { output: whole } = await runOperator(window, config, [input]);
      for (const size of SPLITS) {
        const { output } = await runOperator(window, config, split(input, size));
        expect(flatten(output)).toEqual(flatten(whole));
      }
    }
    expect((await runOperator(window, { every: '1s' }, [series([], [])])).output).toEqual([]);
  });
});

describe('window in virtual time', () => {
  it('emits when data time passes a window end, not on a timer, and flushes the open window on completion', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    scheduler.run(({ cold, expectObservable }) => {
      const a = series([0, 400], [1, 2]); // inside [0, 1s)
      const b = series([900], [3]); // still inside
      const c = series([1200], [4]); // passes 1 s: closes the first window
      const input = cold('a 5s b 5s c 5s |', { a, b, c });
      const { operator } = buildOperator(window, { every: '1s', fields: ['bytes'], stats: ['count', 'mean'] }, standaloneContext('window', { scheduler }));
      const counts = input.pipe(operator, map((batch) => flatten([batch]).count));
      // Frames: a at 0, b at 5001, c at 10002, complete at 15003.
      expectObservable(counts).toBe('10002ms x 5000ms (y|)', { x: [3], y: [1] });
    });
  });
});
