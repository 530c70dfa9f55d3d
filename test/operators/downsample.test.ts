import { describe, expect, it } from 'vitest';
import type { RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { downsample } from '../../src/operators/downsample/index.js';
import { SPLITS, batchOf, flatten, split } from './records-helpers.js';

const US = 1000;

/** Samples 10 us apart from t0, with voltage and current from the given functions. */
function signal(n: number, voltage: (k: number) => number, current: (k: number) => number = () => 0.5, t0 = 0): RecordsBatch {
  return batchOf(
    [
      { name: 't_device_ns', type: 'f64', time: 'device' },
      { name: 'voltage', type: 'f64', unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 } },
      { name: 'current', type: 'f64', unit: 'A' },
    ],
    {
      t_device_ns: Float64Array.from({ length: n }, (_, k) => t0 + k * 10 * US),
      voltage: Float64Array.from({ length: n }, (_, k) => voltage(k)),
      current: Float64Array.from({ length: n }, (_, k) => current(k)),
    },
  );
}

describe('downsample', () => {
  it('minmax keeps both extremes of each bucket in time order, so a spike survives', async () => {
    // 10 samples per 100 us bucket; a spike up at k = 13, a dip at k = 16, a dip before a spike in bucket 2.
    const v = (k: number) => (k === 13 ? 9 : k === 16 ? -4 : k === 21 ? -1 : k === 27 ? 7 : 1);
    const { output } = await runOperator(downsample, { method: 'minmax', every: '100us', fields: ['voltage'] }, [signal(30, v)]);
    const rows = flatten(output);
    expect(rows.voltage).toEqual([1, 1, 9, -4, -1, 7]);
    expect(rows.t_device_ns).toEqual([0, 90, 100, 190, 200, 290].map((t) => t * US));
    const out = output[0] as RecordsBatch;
    expect(out.schema.fields.map((f) => f.name)).toEqual(['t_device_ns', 'voltage']);
    expect(out.schema.fields[1]).toMatchObject({ unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 } });
  });

  it('mean keeps a constant exactly, whatever the bucket size (2.0 V stays 2.0 V)', async () => {
    const calibrated = 666666667 * 3e-9; // a constant that is not a round binary number
    for (const every of ['20us', '1ms', '7ms', '1s']) {
      const { output } = await runOperator(downsample, { method: 'mean', every, fields: ['voltage', 'current'] }, [signal(20000, () => 2.0, () => calibrated)]);
      const rows = flatten(output);
      expect(rows.voltage.every((x) => x === 2.0)).toBe(true);
      expect(rows.current.every((x) => x === calibrated)).toBe(true);
    }
    for (const factor of [2, 3, 1000, 50000]) {
      const { output } = await runOperator(downsample, { method: 'mean', factor, fields: ['voltage'] }, [signal(20000, () => 2.0)]);
      expect(flatten(output).voltage.every((x) => x === 2.0)).toBe(true);
    }
  });

  it('mean is the exact bucket mean, labelled with the aligned bucket start', async () => {
    // Starts mid-bucket: the first bucket [0, 100us) holds samples at 50..90 us.
    const { output } = await runOperator(downsample, { method: 'mean', every: '100us' }, [signal(12, (k) => k, () => 1, 50 * US)]);
    const rows = flatten(output);
    expect(rows.t_device_ns).toEqual([0, 100 * US]);
    expect(rows.voltage).toEqual([2, (5 + 6 + 7 + 8 + 9 + 10 + 11) / 7]);
    expect(rows.current).toEqual([1, 1]);
  });

  it('decimate keeps every factor-th row with all its columns', async () => {
    const { output } = await runOperator(downsample, { method: 'decimate', factor: 4 }, [signal(10, (k) => k)]);
    expect(flatten(output)).toEqual({ t_device_ns: [0, 40, 80].map((t) => t * US), voltage: [0, 4, 8], current: [0.5, 0.5, 0.5] });
  });

  it('lttb keeps the first and last rows and the most significant row of each bucket', async () => {
    // Buckets of 3 rows after the first: [1..3], [4..6], [7..9]; the peaks at 2 and 8 and the dip at 5 win.
    const ys = [0, 0, 5, 0, 0, -5, 0, 0, 5, 0, 1];
    const { output } = await runOperator(downsample, { method: 'lttb', factor: 3, fields: ['voltage'] }, [signal(ys.length, (k) => ys[k])]);
    const rows = flatten(output);
    expect(rows.voltage).toEqual([0, 5, -5, 5, 1]);
    expect(rows.t_device_ns).toEqual([0, 20, 50, 80, 100].map((t) => t * US));
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and empty batches, for every method', async () => {
    const input = signal(9000, (k) => Math.sin(k / 37) + (k % 1013 === 0 ? 5 : 0), (k) => (k * 7919) % 101);
    const configs = [
      { method: 'minmax' as const, every: '1ms' },
      { method: 'mean' as const, every: '330us' },
      { method: 'mean' as const, factor: 100 },
      { method: 'minmax' as const, factor: 64 },
      { method: 'decimate' as const, every: '250us' },
      { method: 'lttb' as const, every: '2ms', fields: ['voltage'] },
      { method: 'lttb' as const, factor: 50 },
    ];
    for (const config of configs) {
      const { output: whole } = await runOperator(downsample, config, [input]);
      expect(flatten(whole).t_device_ns.length).toBeGreaterThan(8);
      for (const size of SPLITS) {
        const { output } = await runOperator(downsample, config, split(input, size));
        expect(flatten(output), `${JSON.stringify(config)} in batches of ${size}`).toEqual(flatten(whole));
      }
    }
    expect((await runOperator(downsample, { every: '1ms' }, [signal(0, () => 0)])).output).toEqual([]);
  });

  it('rejects bad options and names missing columns', async () => {
    expect(downsample.options.safeParse({ method: 'minmax' }).success).toBe(false);
    expect(downsample.options.safeParse({ every: '1ms', factor: 3 }).success).toBe(false);
    expect(downsample.options.safeParse({ every: 'often' }).success).toBe(false);
    await expect(runOperator(downsample, { every: '1ms', fields: ['power'] }, [signal(3, () => 1)])).rejects.toThrow('column "power" does not exist (columns: t_device_ns, voltage, current)');
    const untimed = batchOf([{ name: 'x', type: 'f64' }], { x: new Float64Array(3) });
    await expect(runOperator(downsample, { every: '1ms' }, [untimed])).rejects.toThrow(/no time column/);
  });
});
