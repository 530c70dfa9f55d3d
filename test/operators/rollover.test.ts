import { describe, expect, it } from 'vitest';
import type { RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { rollover } from '../../src/operators/rollover/index.js';
import { SPLITS, batchOf, flattenNumbers, split } from './records-helpers.js';

const seqBatch = (values: number[]) => batchOf([{ name: 'seq', type: 'u16' }], { seq: Uint16Array.from(values) });

describe('rollover', () => {
  it('unwraps a 16-bit counter that wraps several times', async () => {
    const values: number[] = [];
    for (let k = 0; k < 4 * 65536; k += 997) values.push(k % 65536);
    const { output, context } = await runOperator(rollover, { field: 'seq', bits: 16, gaps_as: 'gaps' }, [seqBatch(values)]);
    const rows = flattenNumbers(output);
    expect(rows.seq).toEqual(values.map((_, i) => i * 997));
    expect(rows.gaps[0]).toBe(0);
    expect(rows.gaps.slice(1).every((g) => g === 996)).toBe(true);
    expect(context.metrics.counters.get('wraps')).toBe(3); // 262143 is below 4 * 65536
    expect(context.metrics.counters.get('gaps')).toBe(996 * (values.length - 1));
    expect(context.metrics.counters.get('resets')).toBeUndefined();
  });

  it('counts a drop across a wrap, and repeated values (rows of one frame) are neither wraps nor gaps', async () => {
    const frame = (seq: number) => Array(25).fill(seq) as number[];
    const values = [...frame(65533), ...frame(65534), ...frame(1), ...frame(2)]; // 65535 and 0 lost
    const { output, context } = await runOperator(rollover, { field: 'seq', bits: 16, gaps_as: 'dropped' }, [seqBatch(values)]);
    const rows = flattenNumbers(output);
    expect(rows.seq).toEqual([...frame(65533), ...frame(65534), ...frame(65537), ...frame(65538)]);
    const expectedGaps = Array(100).fill(0);
    expectedGaps[50] = 2;
    expect(rows.dropped).toEqual(expectedGaps);
    expect(context.metrics.counters.get('gaps')).toBe(2);
    expect(context.metrics.counters.get('wraps')).toBe(1);
    expect(rows.seq_epoch.every((e) => e === 0)).toBe(true);
  });

  it('starts a new epoch on a device reset instead of inventing a wrap', async () => {
    const values = [20000, 20001, 20002, 0, 1, 2, 65535, 0, 5];
    const { output, context } = await runOperator(rollover, { field: 'seq', bits: 16, gaps_as: 'gaps' }, [seqBatch(values)]);
    const rows = flattenNumbers(output);
    // 20002 -> 0 read as a wrap would skip 45533 counts (> half the range): a reset.
    // 2 -> 65535 is a rise of 65533 (a loss), 65535 -> 0 a wrap, 0 -> 5 a loss of 4.
    expect(rows.seq).toEqual([20000, 20001, 20002, 0, 1, 2, 65535, 65536, 65541]);
    expect(rows.seq_epoch).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1]);
    expect(rows.gaps).toEqual([0, 0, 0, 0, 0, 0, 65532, 0, 4]);
    expect(context.metrics.counters.get('resets')).toBe(1);
    expect(context.metrics.counters.get('wraps')).toBe(1);
    // From high up, a reset to 0 looks like a wrap unless the threshold says wraps are short steps.
    const high = seqBatch([40000, 40001, 0, 1]);
    expect(flattenNumbers((await runOperator(rollover, { field: 'seq', bits: 16 }, [high])).output).seq).toEqual([40000, 40001, 65536, 65537]);
    const strict = await runOperator(rollover, { field: 'seq', bits: 16, reset_threshold: 1000 }, [high]);
    expect(flattenNumbers(strict.output)).toMatchObject({ seq: [40000, 40001, 0, 1], seq_epoch: [0, 0, 1, 1] });
  });

  it('treats a small fall within late_tolerance as out of order, also across a wrap', async () => {
    const values = [65534, 65535, 1, 0, 2, 65535, 3];
    const { output, context } = await runOperator(rollover, { field: 'seq', bits: 16, late_tolerance: 8, as: 'n', epoch_as: false }, [seqBatch(values)]);
    const rows = flattenNumbers(output);
    expect(rows.n).toEqual([65534, 65535, 65537, 65536, 65538, 65535, 65539]);
    expect(rows.seq).toEqual(values);
    expect(rows.seq_epoch).toBeUndefined();
    expect(context.metrics.counters.get('out_of_order')).toBe(2);
    expect(context.metrics.counters.get('resets')).toBeUndefined();
  });

  it('unwraps 32-bit ticks and a custom modulus exactly', async () => {
    const ticks = batchOf([{ name: 't_ticks', type: 'u32' }], { t_ticks: Uint32Array.from([4294967000, 4294967250, 204, 454, 4294967000, 100]) });
    const { output } = await runOperator(rollover, { field: 't_ticks', bits: 32 }, [ticks]);
    expect(flattenNumbers(output).t_ticks).toEqual([4294967000, 4294967250, 2 ** 32 + 204, 2 ** 32 + 454, 2 ** 33 - 296, 2 ** 33 + 100]);
    const clock = batchOf([{ name: 's', type: 'f64' }], { s: Float64Array.from([998, 999, 0, 1, 7.5, 1000]) });
    const { output: mod, context } = await runOperator(rollover, { field: 's', modulus: 1000 }, [clock]);
    // int64 by default: a row that held no counter value gets -1 (an unwrapped counter is never negative).
    expect(flattenNumbers(mod).s).toEqual([998, 999, 1000, 1001, -1, -1]);
    expect(context.metrics.errors.get('out_of_range')).toBe(2);
    const { output: asFloat } = await runOperator(rollover, { field: 's', modulus: 1000, type: 'f64' }, [clock]);
    expect(flattenNumbers(asFloat).s).toEqual([998, 999, 1000, 1001, NaN, NaN]);
    expect((asFloat[0] as RecordsBatch).columns.s).toBeInstanceOf(Float64Array);
  });

  it('gives int64 counters exactly beyond 2^32, and names the epoch column after the field', async () => {
    const ticks = batchOf([{ name: 't_ticks', type: 'u32' }], { t_ticks: Uint32Array.from([4294967295, 5, 6, 2]) });
    const { output } = await runOperator(rollover, { field: 't_ticks', bits: 32, reset_threshold: 100 }, [ticks]);
    const batch = output[0] as RecordsBatch;
    expect(batch.columns.t_ticks).toBeInstanceOf(BigInt64Array);
    expect(batch.schema.fields.map((f) => [f.name, f.type])).toEqual([['t_ticks', 'i64'], ['t_ticks_epoch', 'u32']]);
    // 4294967295 -> 5 is a wrap (6 counts on); 6 -> 2 read as a wrap would skip almost 2^32 counts: a reset.
    expect([...(batch.columns.t_ticks as BigInt64Array)]).toEqual([4294967295n, 4294967301n, 4294967302n, 2n]);
    expect([...(batch.columns.t_ticks_epoch as Uint32Array)]).toEqual([0, 0, 0, 1]);
    // Two rollover steps in one chain, each with its default epoch column, do not collide.
    const both = batchOf([{ name: 'seq', type: 'u16' }, { name: 't_ticks', type: 'u32' }], { seq: Uint16Array.from([1, 2]), t_ticks: Uint32Array.from([10, 20]) });
    const first = (await runOperator(rollover, { field: 'seq', bits: 16 }, [both])).output;
    const second = (await runOperator(rollover, { field: 't_ticks', bits: 32 }, first)).output[0] as RecordsBatch;
    expect(second.schema.fields.map((f) => f.name)).toEqual(['seq', 't_ticks', 'seq_epoch', 't_ticks_epoch']);
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and empty batches', async () => {
    const values: number[] = [];
    let v = 65000;
    for (let k = 0; k < 5000; k++) {
      if (k % 3 !== 0) v = (v + 1 + (k % 11 === 0 ? 3 : 0)) % 65536;
      if (k === 3000) v = 12;
      values.push(v);
    }
    const input = seqBatch(values);
    const opts = { field: 'seq', bits: 16 as const, gaps_as: 'gaps' };
    const { output: whole, context: wholeContext } = await runOperator(rollover, opts, [input]);
    expect(wholeContext.metrics.counters.get('resets')).toBe(1);
    for (const size of SPLITS) {
      const { output, context } = await runOperator(rollover, opts, split(input, size));
      expect(flattenNumbers(output)).toEqual(flattenNumbers(whole));
      expect(Object.fromEntries(context.metrics.counters)).toEqual(Object.fromEntries(wholeContext.metrics.counters));
    }
  });

  it('names the missing column and rejects bad options', async () => {
    await expect(runOperator(rollover, { field: 'sequence', bits: 16 }, [seqBatch([1])])).rejects.toThrow('column "sequence" does not exist (columns: seq)');
    expect(rollover.options.safeParse({ field: 'seq' }).success).toBe(false);
    expect(rollover.options.safeParse({ field: 'seq', bits: 16, modulus: 10 }).success).toBe(false);
    expect(rollover.options.safeParse({ field: 'seq', bits: 12 }).success).toBe(false);
    const twice = batchOf([{ name: 'seq', type: 'u16' }, { name: 'epoch', type: 'u32' }], { seq: Uint16Array.from([1]), epoch: Uint32Array.from([0]) });
    await expect(runOperator(rollover, { field: 'seq', bits: 16, epoch_as: 'epoch' }, [twice])).rejects.toThrow(/column "epoch" already exists/);
    await expect(runOperator(rollover, { field: 'seq', bits: 16, as: 'epoch', epoch_as: false }, [twice])).rejects.toThrow(/column "epoch" already exists/);
    const out = (await runOperator(rollover, { field: 'seq', bits: 16 }, [seqBatch([])])).output[0] as RecordsBatch;
    expect(out.length).toBe(0);
  });
});
