import { describe, expect, it } from 'vitest';
import type { RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { derive } from '../../src/operators/derive.js';
import { SPLITS, batchOf, flatten, split } from './records-helpers.js';

function samples(n: number): RecordsBatch {
  const voltage_raw = new Uint32Array(n);
  const current_raw = new Uint32Array(n);
  const t_ticks = new Float64Array(n);
  const i = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    voltage_raw[k] = (k * 2654435761) >>> 0;
    current_raw[k] = (k * 40503) % 100000;
    t_ticks[k] = 4294967000 + Math.floor(k / 25) * 250;
    i[k] = k % 25;
  }
  return batchOf(
    [
      { name: 't_ticks', type: 'f64' },
      { name: 'i', type: 'u8' },
      { name: 'voltage_raw', type: 'u32' },
      { name: 'current_raw', type: 'u32' },
    ],
    { t_ticks, i, voltage_raw, current_raw },
  );
}

const harvest = {
  fields: { t_device_ns: 't_ticks * 1000 + i * 10000', voltage: 'voltage_raw * 3e-9', current: 'current_raw * 250e-12', power: 'voltage * current' },
  units: { voltage: 'V', current: 'A', power: 'W' },
  time: { t_device_ns: 'device' as const },
};

describe('derive', () => {
  it('computes calibration, per-sample time and power, and records calibration and units in the schema', async () => {
    const input = samples(60);
    const { output } = await runOperator(derive, harvest, [input]);
    const out = output[0] as RecordsBatch;
    const fields = Object.fromEntries(out.schema.fields.map((f) => [f.name, f]));
    expect(fields.voltage).toMatchObject({ type: 'f64', unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 } });
    expect(fields.current.calibration).toEqual({ raw: 'current_raw', gain: 250e-12, offset: 0 });
    expect(fields.power).toMatchObject({ unit: 'W' });
    expect(fields.power.calibration).toBeUndefined();
    expect(fields.t_device_ns).toMatchObject({ time: 'device', unit: 'ns' });
    expect(fields.t_device_ns.calibration).toBeUndefined();
    const rows = flatten(output);
    const raw = input.columns.voltage_raw as Uint32Array;
    const craw = input.columns.current_raw as Uint32Array;
    for (let k = 0; k < 60; k++) {
      const v = raw[k] * 3e-9;
      const c = craw[k] * 250e-12;
      expect(rows.voltage[k]).toBe(v);
      expect(rows.power[k]).toBe(v * c);
      expect(rows.t_device_ns[k]).toBe((4294967000 + Math.floor(k / 25) * 250) * 1000 + (k % 25) * 10000);
    }
    // Input columns are kept, derived ones appended in order.
    expect(out.schema.fields.map((f) => f.name)).toEqual(['t_ticks', 'i', 'voltage_raw', 'current_raw', 't_device_ns', 'voltage', 'current', 'power']);
  });

  it('replaces an existing column in place and converts to a stated type', async () => {
    const input = batchOf([{ name: 'x', type: 'u16' }, { name: 'y', type: 'f64' }], { x: new Uint16Array([1, 2, 3]), y: new Float64Array([0.4, 0.6, 1e12]) });
    const { output, context } = await runOperator(derive, { fields: { x: 'x * 10', code: 'y' }, types: { code: 'u16' } }, [input]);
    const out = output[0] as RecordsBatch;
    expect(out.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(['x:f64', 'y:f64', 'code:u16']);
    expect(flatten(output)).toMatchObject({ x: [10, 20, 30], code: [0, 1, 65535] });
    expect(context.metrics.errors.get('out_of_range')).toBe(1);
  });

  it('gives int64 device time exactly past 2^32 ticks, float32 calibrated codes, and int64 from int64 counters', async () => {
    // Unwrapped ticks beyond 2^32 as rollover gives them (int64), 1 MHz, samples 10 us apart.
    const ticks = BigInt64Array.from([4294967296n, 4294967296n, 8589934592n]);
    const input = batchOf([{ name: 't_ticks', type: 'i64' }, { name: 'i', type: 'u8' }, { name: 'code', type: 'u32' }], { t_ticks: ticks, i: Uint8Array.from([0, 1, 0]), code: Uint32Array.from([0xffffff, 1, 123456]) });
    const opts = { fields: { t_device_ns: 't_ticks * 1000 + i * 10000', v: 'code * 0.0078125' }, time: { t_device_ns: 'device' }, types: { t_device_ns: 'i64', v: 'f32' } } as const;
    const { output } = await runOperator(derive, opts, [input]);
    const out = output[0] as RecordsBatch;
    expect(out.schema.fields.find((f) => f.name === 't_device_ns')).toMatchObject({ type: 'i64', time: 'device' });
    expect([...(out.columns.t_device_ns as BigInt64Array)]).toEqual([4294967296000n, 4294967306000n, 8589934592000n]);
    // A 24-bit code times a power of two is exact in float32.
    expect([...(out.columns.v as Float32Array)]).toEqual([0xffffff / 128, 1 / 128, 123456 / 128]);
    expect(derive.options.safeParse({ fields: { t: 'a' }, time: { t: 'host' }, types: { t: 'i64' } }).success).toBe(false);
    // Beyond 2^53 (where float64 stops being exact) and NaN are clamped and counted.
    const big = batchOf([{ name: 'x', type: 'f64' }], { x: Float64Array.from([1e300, -1e300, NaN, -5.5, 4294967296.4]) });
    const { output: clamped, context } = await runOperator(derive, { fields: { y: 'x' }, types: { y: 'i64' } }, [big]);
    expect([...((clamped[0] as RecordsBatch).columns.y as BigInt64Array)]).toEqual([2n ** 53n, -(2n ** 53n), 0n, -5n, 4294967296n]);
    expect(context.metrics.errors.get('out_of_range')).toBe(3);
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and passes empty batches', async () => {
    const input = samples(1000);
    const { output: whole } = await runOperator(derive, harvest, [input]);
    for (const size of SPLITS) {
      const { output } = await runOperator(derive, harvest, split(input, size));
      expect(flatten(output)).toEqual(flatten(whole));
      expect(output[0].kind === 'records' && output[0].length).toBe(0);
    }
  });

  it('fails with the field, the expression and the missing column named', async () => {
    const input = samples(3);
    await expect(runOperator(derive, { fields: { voltage: 'voltage_rw * 3e-9' } }, [input])).rejects.toThrow(
      'field "voltage": expression "voltage_rw * 3e-9": column "voltage_rw" does not exist (columns: t_ticks, i, voltage_raw, current_raw)',
    );
  });

  it('rejects bad expressions and unknown keys at config time, naming the key', () => {
    const bad = derive.options.safeParse({ fields: { power: 'voltage * * current' }, units: { powr: 'W' } });
    expect(bad.success).toBe(false);
    const issues = bad.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues).toContain('fields.power: expression "voltage * * current": expected a number, a column name, a function or "(", found "*" (at character 11)');
    expect(issues.some((i) => i.startsWith('units.powr: "powr" is not one of the derived fields'))).toBe(true);
    expect(derive.options.safeParse({ fields: { t: 'a' }, time: { t: 'device' }, types: { t: 'u32' } }).success).toBe(false);
  });
});
