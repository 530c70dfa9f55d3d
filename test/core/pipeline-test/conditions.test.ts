import { describe, expect, it } from 'vitest';
import { type Batch, type Field, framesBatch, recordsBatch } from '../../../src/core/batch.js';
import { firstDifference } from '../../../src/core/pipeline-test/conditions.js';
import { condition } from '../../../src/core/pipeline-test/schema.js';

const check = (raw: unknown, batches: Batch[]) => firstDifference(condition.parse(raw), batches);

const FIELDS: Field[] = [
  { name: 'seq', type: 'u16' },
  { name: 'v', type: 'f64' },
  { name: 'big', type: 'i64' },
  { name: 'tag', type: 'string' },
];

/** Two batches of rows: seq 0..2 then 3..4, a float, a 64-bit and a string column. */
const batches: Batch[] = [
  recordsBatch(
    'node',
    FIELDS,
    { seq: Uint16Array.of(0, 1, 2), v: Float64Array.of(0.5, 1.5, 2.5), big: BigInt64Array.of(9007199254740993n, 1n, 2n), tag: { codes: Int32Array.of(0, 1, 0), dictionary: ['a', 'b'] } },
    3,
  ),
  recordsBatch(
    'node',
    FIELDS,
    { seq: Uint16Array.of(3, 5), v: Float64Array.of(3.5, -1), big: BigInt64Array.of(3n, 4n), tag: { codes: Int32Array.of(0, 0), dictionary: ['c'] } },
    2,
  ),
];

describe('test conditions', () => {
  it('count: exact or a range, over all batches', () => {
    expect(check({ count: 5 }, batches)).toBeUndefined();
    expect(check({ count: 4 }, batches)).toBe('count: expected 4 rows, got 5');
    expect(check({ count: { min: 5, max: 9 } }, batches)).toBeUndefined();
    expect(check({ count: { min: 6 } }, batches)).toBe('count: expected at least 6 rows, got 5');
    expect(check({ count: { max: 2 } }, batches)).toBe('count: expected at most 2 rows, got 5');
    expect(check({ count: 0 }, [])).toBeUndefined();
  });

  it('equals: the first differing row across batches, with expected and got', () => {
    expect(check({ column: 'seq', equals: [0, 1, 2, 3, 5] }, batches)).toBeUndefined();
    expect(check({ column: 'seq', equals: [0, 1, 2, 3, 4] }, batches)).toBe('column seq, row 4: expected 4, got 5');
    expect(check({ column: 'seq', equals: [0, 1, 2] }, batches)).toBe('column seq: expected 3 rows, got 5; row 3 is extra: 3');
    expect(check({ column: 'seq', equals: [0, 1, 2, 3, 5, 6] }, batches)).toBe('column seq: expected 6 rows or more, got 5; row 5 is missing (expected 6)');
    expect(check({ column: 'tag', equals: ['a', 'b', 'a', 'c', 'c'] }, batches)).toBeUndefined();
    expect(check({ column: 'tag', equals: ['a', 'a'], from: 1 }, batches)).toBe('column tag, row 1: expected "a", got "b"');
  });

  it('equals with from compares only the listed rows; tolerance is absolute', () => {
    expect(check({ column: 'seq', equals: [2, 3], from: 2 }, batches)).toBeUndefined();
    expect(check({ column: 'v', equals: [1.5001, 2.4999], from: 1, tolerance: 1e-3 }, batches)).toBeUndefined();
    expect(check({ column: 'v', equals: [1.6], from: 1, tolerance: 1e-3 }, batches)).toBe('column v, row 1: expected 1.6 ± 0.001, got 1.5');
  });

  it('64-bit integers compare exactly, beyond 2^53', () => {
    expect(check({ column: 'big', equals: [1, 2, 3, 4], from: 1 }, batches)).toBeUndefined();
    expect(check({ column: 'big', equals: [9007199254740992], from: 0 }, batches)).toBe('column big, row 0: expected 9007199254740992, got 9007199254740993');
  });

  it('sum: over every row, with a tolerance', () => {
    expect(check({ column: 'v', sum: 7 }, batches)).toBeUndefined();
    expect(check({ column: 'v', sum: 7.1 }, batches)).toBe('sum of column v: expected 7.1, got 7 (5 rows)');
    expect(check({ column: 'v', sum: 7.1, tolerance: 0.2 }, batches)).toBeUndefined();
  });

  it('every: the first row that does not meet the expression, with the values it read', () => {
    expect(check({ every: 'seq >= 0 && v < 4' }, batches)).toBeUndefined();
    expect(check({ every: 'v > 0' }, batches)).toBe('row 4 does not meet "v > 0": v=-1');
    expect(check({ every: 'nope > 0' }, batches)).toMatch(/column "nope" does not exist \(columns: seq, v, big, tag\)/);
  });

  it('a missing column is named with the columns there are', () => {
    expect(check({ column: 'volts', equals: [1] }, batches)).toBe('column "volts" does not exist (columns: seq, v, big, tag)');
  });

  it('frames are rows of length and hex', () => {
    const frames = framesBatch('link', Buffer.from('7b01027d7b7d', 'hex'), Uint32Array.of(0, 4), Uint32Array.of(4, 2), new Float64Array(2));
    expect(check({ count: 2 }, [frames])).toBeUndefined();
    expect(check({ column: 'hex', equals: ['7b01027d', '7b7d'] }, [frames])).toBeUndefined();
    expect(check({ every: 'length == 4' }, [frames])).toBe('row 1 does not meet "length == 4": length=2');
  });

  it('a condition is one check, and column goes with equals or sum', () => {
    expect(condition.safeParse({ count: 1, every: 'x > 0' }).success).toBe(false);
    expect(condition.safeParse({ equals: [1] }).error?.issues[0].message).toBe('equals needs the column it reads');
    expect(condition.safeParse({ every: 'x >' }).error?.issues[0].path).toEqual(['every']);
    expect(condition.safeParse({ count: 1, tolerance: 1 }).error?.issues[0].message).toBe('tolerance goes with equals or sum');
  });
});
