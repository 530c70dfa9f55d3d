import { describe, expect, it } from 'vitest';
import { recordsBatch } from '../../../src/core/batch.js';
import { canJoin, joinRecords } from '../../../src/core/records/join.js';
import { HARVEST_FIELDS, harvestBatch } from '../../sinks/recording/fixtures.js';

describe('joining records batches for the encoder', () => {
  it('joins batches of one schema and shared dictionaries, in order, without touching the inputs', () => {
    const parts = [harvestBatch(0, 3), harvestBatch(3, 2), harvestBatch(5, 4, { nodeRun: 2 })];
    const before = parts.map((p) => Array.from(p.columns.voltage_raw as Uint32Array));
    expect(canJoin(parts[0], parts[1]) && canJoin(parts[1], parts[2])).toBe(true);
    const joined = joinRecords(parts);
    expect(joined.length).toBe(9);
    expect(joined.schema.fields).toEqual(HARVEST_FIELDS);
    expect(Array.from(joined.columns.voltage_raw as Uint32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(joined.columns.voltage).toBeInstanceOf(Float32Array);
    expect(Array.from(joined.columns.time as Float64Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((r) => r * 10_000));
    const node = joined.columns.node as { codes: Int32Array; dictionary: readonly string[] };
    expect(node.dictionary).toBe((parts[0].columns.node as { dictionary: readonly string[] }).dictionary);
    expect(Array.from(node.codes)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0]);
    expect(parts.map((p) => Array.from(p.columns.voltage_raw as Uint32Array))).toEqual(before);
    expect(joinRecords([parts[1]])).toBe(parts[1]);
  });

  it('joins 64-bit integer columns', () => {
    const fields = [{ name: 'n', type: 'i64' as const }];
    const a = recordsBatch('s', fields, { n: BigInt64Array.of(1n, -2n) }, 2);
    const b = recordsBatch('s', fields, { n: BigInt64Array.of(2n ** 62n) }, 1);
    expect(Array.from(joinRecords([a, b]).columns.n as BigInt64Array)).toEqual([1n, -2n, 2n ** 62n]);
  });

  it('refuses other dictionaries, other schemas and binary columns', () => {
    const task = [{ name: 'task', type: 'string' as const }];
    const idle = recordsBatch('t', task, { task: { codes: Int32Array.of(0), dictionary: ['idle'] } }, 1);
    const net = recordsBatch('t', task, { task: { codes: Int32Array.of(0), dictionary: ['net'] } }, 1);
    expect(canJoin(idle, net)).toBe(false);
    expect(canJoin(idle, harvestBatch(0, 1))).toBe(false);
    const blob = [{ name: 'blob', type: 'binary' as const }];
    const bytes = () => recordsBatch('b', blob, { blob: { data: Uint8Array.of(1, 2), offsets: Int32Array.of(0, 2) } }, 1);
    expect(canJoin(bytes(), bytes())).toBe(false);
    expect(() => joinRecords([bytes(), bytes()])).toThrow(/binary column "blob"/);
  });
});
