import { describe, expect, it } from 'vitest';
import type { RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { rename } from '../../src/operators/rename.js';
import { select } from '../../src/operators/select.js';
import { SPLITS, batchOf, flatten, split } from './records-helpers.js';

function rows(n: number): RecordsBatch {
  return batchOf(
    [
      { name: 't', type: 'f64', time: 'device' },
      { name: 'voltage_raw', type: 'u32' },
      { name: 'voltage', type: 'f64', unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 } },
    ],
    {
      t: Float64Array.from({ length: n }, (_, k) => k * 10),
      voltage_raw: Uint32Array.from({ length: n }, (_, k) => k),
      voltage: Float64Array.from({ length: n }, (_, k) => k * 3e-9),
    },
  );
}

describe('select', () => {
  it('keeps the listed columns in the listed order, or drops the listed ones', async () => {
    const kept = await runOperator(select, { fields: ['voltage', 't'] }, [rows(3)]);
    expect((kept.output[0] as RecordsBatch).schema.fields.map((f) => f.name)).toEqual(['voltage', 't']);
    expect(flatten(kept.output)).toEqual({ voltage: [0, 3e-9, 6e-9], t: [0, 10, 20] });
    const dropped = await runOperator(select, { drop: ['voltage_raw'] }, [rows(3)]);
    expect((dropped.output[0] as RecordsBatch).schema.fields.map((f) => f.name)).toEqual(['t', 'voltage']);
  });

  it('names columns that do not exist and needs exactly one of fields or drop', async () => {
    await expect(runOperator(select, { drop: ['current', 'power'] }, [rows(1)])).rejects.toThrow('columns "current", "power" do not exist (columns: t, voltage_raw, voltage)');
    expect(select.options.safeParse({}).success).toBe(false);
    expect(select.options.safeParse({ fields: ['t'], drop: ['t'] }).success).toBe(false);
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and empty batches', async () => {
    const input = rows(5000);
    const { output: whole } = await runOperator(select, { fields: ['t', 'voltage'] }, [input]);
    for (const size of SPLITS) expect(flatten((await runOperator(select, { fields: ['t', 'voltage'] }, split(input, size))).output)).toEqual(flatten(whole));
  });
});

describe('rename', () => {
  it('renames columns keeping data, order and metadata; a calibration follows its raw column', async () => {
    const { output } = await runOperator(rename, { fields: { voltage_raw: 'v_raw', t: 'time' } }, [rows(2)]);
    const out = output[0] as RecordsBatch;
    expect(out.schema.fields.map((f) => f.name)).toEqual(['time', 'v_raw', 'voltage']);
    expect(out.schema.fields[0].time).toBe('device');
    expect(out.schema.fields[2].calibration).toEqual({ raw: 'v_raw', gain: 3e-9, offset: 0 });
    expect(flatten(output)).toEqual({ time: [0, 10], v_raw: [0, 1], voltage: [0, 3e-9] });
  });

  it('names a missing column and refuses two columns with one name', async () => {
    await expect(runOperator(rename, { fields: { volt: 'v' } }, [rows(1)])).rejects.toThrow('column "volt" does not exist (columns: t, voltage_raw, voltage)');
    await expect(runOperator(rename, { fields: { t: 'voltage' } }, [rows(1)])).rejects.toThrow('two columns would be named "voltage"');
    expect(rename.options.safeParse({ fields: { a: 'x', b: 'x' } }).success).toBe(false);
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and empty batches', async () => {
    const input = rows(5000);
    const { output: whole } = await runOperator(rename, { fields: { t: 'time' } }, [input]);
    for (const size of SPLITS) expect(flatten((await runOperator(rename, { fields: { t: 'time' } }, split(input, size))).output)).toEqual(flatten(whole));
  });
});
