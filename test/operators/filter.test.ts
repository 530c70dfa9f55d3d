import { describe, expect, it } from 'vitest';
import type { RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { filter } from '../../src/operators/filter.js';
import { SPLITS, batchOf, flatten, split } from './records-helpers.js';

function rows(n: number): RecordsBatch {
  return batchOf(
    [
      { name: 'voltage', type: 'f64', unit: 'V' },
      { name: 'task_id', type: 'u16' },
      { name: 'name', type: 'string' },
    ],
    {
      voltage: Float64Array.from({ length: n }, (_, k) => (k % 10) * 0.5),
      task_id: Uint16Array.from({ length: n }, (_, k) => k % 3),
      name: { codes: Int32Array.from({ length: n }, (_, k) => k % 2), dictionary: ['even', 'odd'] },
    },
  );
}

describe('filter', () => {
  it('keeps records where the comparison holds, with all their columns, and counts the rest', async () => {
    const { output, context } = await runOperator(filter, { where: 'voltage >= 3.5 && task_id != 0' }, [rows(10)]);
    // k = 9 has voltage 4.5 but task 0.
    expect(flatten(output)).toEqual({ voltage: [3.5, 4], task_id: [1, 2], name: ['odd', 'even'] });
    expect(context.metrics.counters.get('filtered_out')).toBe(8);
    expect((output[0] as RecordsBatch).schema.fields[0].unit).toBe('V');
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and empty batches', async () => {
    const input = rows(5000);
    const { output: whole } = await runOperator(filter, { where: 'voltage * 2 > task_id + 3' }, [input]);
    for (const size of SPLITS) {
      const { output } = await runOperator(filter, { where: 'voltage * 2 > task_id + 3' }, split(input, size));
      expect(flatten(output)).toEqual(flatten(whole));
    }
  });

  it('reports bad conditions at config time and missing columns at run time', async () => {
    const bad = filter.options.safeParse({ where: 'voltage >' });
    expect(bad.error?.issues[0].path).toEqual(['where']);
    await expect(runOperator(filter, { where: 'volts > 1' }, [rows(2)])).rejects.toThrow('expression "volts > 1": column "volts" does not exist (columns: voltage, task_id, name)');
  });
});
