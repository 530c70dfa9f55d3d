import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { bytesBatch, framesBatch, type Batch, type RecordsBatch } from '../../../src/core/batch.js';
import { runOperator } from '../../../src/core/standalone.js';
import { crcOperator } from '../../../src/operators/crc/index.js';
import { decodeOperator } from '../../../src/operators/decode/index.js';
import { frameOperator } from '../../../src/operators/frame/index.js';
import { encodeFrame } from '../../../src/sources/simulator/protocol.js';
import { splitAt } from '../../helpers/bytes.js';

type DecodeInput = z.input<typeof decodeOperator.options>;

/** The harvest steps as docs/architecture.md describes them (pipelines/harvest.yml). */
const HARVEST: { frame: z.input<typeof frameOperator.options>; crc: z.input<typeof crcOperator.options>; decode: DecodeInput } = {
  frame: { format: 'delimited', start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 } },
  crc: { algorithm: 'CRC-16/IBM-3740', over: [1, -3], value: { offset: -3, type: 'u16le' } },
  decode: {
    fields: [
      { name: 'seq', type: 'u16le', offset: 2 },
      { name: 't_ticks', type: 'u32le', offset: 4 },
    ],
    repeat: {
      offset: 10,
      index_as: 'i',
      fields: [
        { name: 'voltage_raw', type: 'u32le' },
        { name: 'current_raw', type: 'u32le' },
      ],
    },
  },
};

function sampleFrame(seq: number, ticks: number, k = 25): Buffer {
  const payload = Buffer.alloc(8 * k);
  for (let s = 0; s < k; s++) {
    payload.writeUInt32LE(1_000_000 + seq * 100 + s, 8 * s);
    payload.writeUInt32LE(0xfffffff0 - s, 8 * s + 4);
  }
  return encodeFrame(0x01, seq, ticks, payload);
}

function records(output: Batch[]): RecordsBatch[] {
  return output.filter((b): b is RecordsBatch => b.kind === 'records');
}

describe('decode: binary', () => {
  it('decodes the harvest chain into one row per sample with typed columns', async () => {
    const stream = Buffer.concat([sampleFrame(7, 0xfffffff0), sampleFrame(8, 0xfffffffa)]);
    const reads = splitAt(stream, [100, 250]);
    const framed = await runOperator(frameOperator, HARVEST.frame, reads);
    const checked = await runOperator(crcOperator, HARVEST.crc, framed.output);
    const { output } = await runOperator(decodeOperator, HARVEST.decode, checked.output);
    const batches = records(output);
    const rows = batches.reduce((n, b) => n + b.length, 0);
    expect(rows).toBe(50);
    const first = batches[0];
    expect(first.schema.fields.map((f) => `${f.name}:${f.type}${f.time ? `:${f.time}` : ''}`)).toEqual([
      'seq:u16',
      't_ticks:u32',
      'voltage_raw:u32',
      'current_raw:u32',
      'i:u32',
      'host_time:f64:host',
    ]);
    expect(first.columns.seq).toBeInstanceOf(Uint16Array);
    expect(first.columns.t_ticks).toBeInstanceOf(Uint32Array);
    expect(first.columns.current_raw).toBeInstanceOf(Uint32Array);
    const all = (name: string) => batches.flatMap((b) => Array.from(b.columns[name] as ArrayLike<number>));
    expect(all('seq')).toEqual([...Array(25).fill(7), ...Array(25).fill(8)]);
    expect(all('t_ticks').slice(24, 26)).toEqual([0xfffffff0, 0xfffffffa]);
    expect(all('i').slice(0, 3)).toEqual([0, 1, 2]);
    expect(all('i')[49]).toBe(24);
    expect(all('voltage_raw')[26]).toBe(1_000_801);
    expect(all('current_raw')[1]).toBe(0xffffffef);
    // Frame 7 completes in the read at index 1, frame 8 in the read at index 2.
    expect(all('host_time')[0]).toBe(1);
    expect(all('host_time')[49]).toBe(2);
  });

  it('decodes every integer and float width in both byte orders, with 64-bit as BigInt', async () => {
    const frame = Buffer.alloc(48);
    frame.writeInt8(-5, 0);
    frame.writeInt16BE(-1234, 1);
    frame.writeUInt32BE(0xdeadbeef, 3);
    frame.writeBigUInt64LE(2n ** 63n + 5n, 7);
    frame.writeBigInt64BE(-(2n ** 40n), 15);
    frame.writeFloatLE(1.5, 23);
    frame.writeDoubleBE(-2.25, 27);
    frame.write('hi\0\0', 35, 'latin1');
    frame.set([1, 2, 3], 39);
    const batch = framesBatch('d', frame, Uint32Array.of(0), Uint32Array.of(48), Float64Array.of(9));
    const fields: DecodeInput['fields'] = [
      { name: 'a', type: 'i8', offset: 0 },
      { name: 'b', type: 'i16be', offset: 1 },
      { name: 'c', type: 'u32be', offset: 3 },
      { name: 'd', type: 'u64le', offset: 7 },
      { name: 'e', type: 'i64be', offset: 15 },
      { name: 'f', type: 'f32', offset: 23 },
      { name: 'g', type: 'f64be', offset: 27 },
      { name: 'h', type: 'string', offset: 35, length: 4 },
      { name: 'raw', type: 'bytes', offset: 39, length: 3 },
      { name: 'tail', type: 'u8', offset: -1 },
    ];
    const { output } = await runOperator(decodeOperator, { fields }, [batch]);
    const [r] = records(output);
    expect(r.columns.a).toEqual(Int8Array.of(-5));
    expect(r.columns.b).toEqual(Int16Array.of(-1234));
    expect(r.columns.c).toEqual(Uint32Array.of(0xdeadbeef));
    expect(r.columns.d).toEqual(BigUint64Array.of(2n ** 63n + 5n));
    expect(r.columns.e).toEqual(BigInt64Array.of(-(2n ** 40n)));
    expect(r.columns.f).toEqual(Float32Array.of(1.5));
    expect(r.columns.g).toEqual(Float64Array.of(-2.25));
    expect(r.columns.h).toEqual({ codes: Int32Array.of(0), dictionary: ['hi'] });
    expect(r.columns.raw).toEqual({ data: Uint8Array.of(1, 2, 3), offsets: Int32Array.of(0, 3) });
    expect(r.columns.tail).toEqual(Uint8Array.of(0));
  });

  it('uses a count field, skips other frame types with when, and rejects short frames', async () => {
    const good = encodeFrame(0x01, 1, 0, Buffer.from([1, 0, 2, 0, 3, 0]));
    const other = encodeFrame(0x02, 2, 0, Buffer.from([9, 9]));
    const liar = Buffer.from(encodeFrame(0x01, 3, 0, Buffer.from([1, 0])));
    liar.writeUInt16LE(40, 8); // claims 20 samples of u16
    const stream = Buffer.concat([good, other, liar]);
    const offsets = Uint32Array.of(0, good.length, good.length + other.length);
    const lengths = Uint32Array.of(good.length, other.length, liar.length);
    const batch = framesBatch('d', stream, offsets, lengths, new Float64Array(3));
    const options: DecodeInput = {
      when: { offset: 1, equals: 0x01 },
      fields: [{ name: 'seq', type: 'u16', offset: 2 }],
      repeat: { offset: 10, count: { offset: 8, type: 'u16le', in: 'bytes' }, fields: [{ name: 'v', type: 'u16' }] },
      dead_letter: 'bad',
    };
    const { output, context } = await runOperator(decodeOperator, options, [batch]);
    const [r] = records(output);
    expect(Array.from(r.columns.v as Uint16Array)).toEqual([1, 2, 3]);
    expect(Array.from(r.columns.seq as Uint16Array)).toEqual([1, 1, 1]);
    expect(context.metrics.counters.get('frames_skipped')).toBe(1);
    expect(context.metrics.errors.get('short')).toBe(1);
    expect(context.emitted.get('bad')).toHaveLength(1);
  });

  it('reports config errors with the key', () => {
    const result = decodeOperator.options.safeParse({ fields: [{ name: 'x', type: 'u17', offset: 0 }] });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(['fields', 0, 'type']);
    const clash = decodeOperator.options.safeParse({ fields: [{ name: 'host_time', type: 'u8', offset: 0 }] });
    expect(clash.error!.issues.map((i) => i.message)).toEqual(['column "host_time" is defined twice (host_time is added by decode)']);
  });

  it('works end to end on bytes: frame, crc, decode', async () => {
    const stream = sampleFrame(1, 10);
    const framed = await runOperator(frameOperator, { ...HARVEST.frame, crc: HARVEST.crc }, [bytesBatch('d', stream, 0)]);
    const { output } = await runOperator(decodeOperator, HARVEST.decode, framed.output);
    expect(records(output)[0].length).toBe(25);
  });
});
