import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FramesBatch, RecordsBatch } from '../../../src/core/batch.js';
import { hexBytes, inputBatches, rowsBatch } from '../../../src/core/pipeline-test/inputs.js';
import { testInput } from '../../../src/core/pipeline-test/schema.js';

describe('test inputs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-test-inputs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hex: spaces, commas and 0x are ignored; odd digits and other letters are refused', () => {
    expect([...hexBytes('7B 01,0x02\n7d')]).toEqual([0x7b, 0x01, 0x02, 0x7d]);
    expect(testInput.safeParse({ insert_at: 'node', hex: '7b 0' }).error?.issues[0].message).toBe('odd number of hex digits (3): each byte is two digits');
    expect(testInput.safeParse({ insert_at: 'node', hex: '7g' }).error?.issues[0].message).toMatch(/^not hex/);
  });

  it('one batch per hex string for bytes; one frame per string, in one batch, for frames', () => {
    const input = testInput.parse({ insert_at: 'node', hex: ['7b 01', '02 03 7d'] });
    const bytes = inputBatches(input, 'bytes', 'node', dir);
    expect(bytes.map((b) => b.kind === 'bytes' && b.data.toString('hex'))).toEqual(['7b01', '02037d']);
    const [frames] = inputBatches(input, 'frames', 'node', dir) as FramesBatch[];
    expect(frames.count).toBe(2);
    expect([...frames.offsets]).toEqual([0, 2]);
    expect([...frames.lengths]).toEqual([2, 3]);
  });

  it('a file is read relative to the test file, whole or in chunks', () => {
    writeFileSync(path.join(dir, 'ten.bin'), Buffer.from('00010203040506070809', 'hex'));
    const whole = inputBatches(testInput.parse({ insert_at: 'node', file: 'ten.bin' }), 'bytes', 'node', dir);
    expect(whole).toHaveLength(1);
    const chunks = inputBatches(testInput.parse({ insert_at: 'node', file: 'ten.bin', chunk_size: 4 }), 'bytes', 'node', dir);
    expect(chunks.map((b) => b.kind === 'bytes' && b.data.length)).toEqual([4, 4, 2]);
  });

  it('rows: f64 and string by default, the given types otherwise, time columns marked', () => {
    const batch = rowsBatch([{ seq: 1, tag: 'a', t: 5 }, { seq: 2, tag: 'b', t: 6 }], { seq: 'i64' }, 'node', { t: 'device' }) as RecordsBatch;
    expect(batch.schema.fields).toEqual([
      { name: 'seq', type: 'i64' },
      { name: 'tag', type: 'string' },
      { name: 't', type: 'f64', time: 'device', unit: 'ns' },
    ]);
    expect([...(batch.columns.seq as BigInt64Array)]).toEqual([1n, 2n]);
    expect(() => rowsBatch([{ seq: 1.5 }], { seq: 'i64' }, 'node')).toThrow('rows[0].seq: 1.5 is not an integer (column type i64)');
    expect(() => rowsBatch([{ seq: 'x' }], { seq: 'u16' }, 'node')).toThrow('rows[0].seq: "x" is not a number (column type u16)');
  });

  it('an input is one of hex, file, rows or simulator; rows share their columns', () => {
    expect(testInput.safeParse({ insert_at: 'node' }).error?.issues[0].message).toBe('an input needs one of hex, file, simulator or rows');
    expect(testInput.safeParse({ insert_at: 'node', hex: '00', types: { a: 'u8' } }).error?.issues[0].message).toBe('types applies to a rows input');
    const uneven = testInput.safeParse({ insert_at: 'node', rows: [{ a: 1, b: 2 }, { a: 1 }] });
    expect(uneven.error?.issues[0]).toMatchObject({ path: ['rows', 1], message: 'every row has the columns of the first (a, b); this one lacks b' });
  });
});
