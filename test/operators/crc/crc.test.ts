import { describe, expect, it } from 'vitest';
import { framesBatch, type FramesBatch, type RecordsBatch, type StringColumn } from '../../../src/core/batch.js';
import { runOperator } from '../../../src/core/standalone.js';
import { crcOperator } from '../../../src/operators/crc/index.js';
import { encodeFrame } from '../../../src/sources/simulator/protocol.js';
import { framesHex } from '../../helpers/bytes.js';

const HARVEST_CRC = { algorithm: 'CRC-16/IBM-3740', over: [1, -3] as [number, number], value: { offset: -3, type: 'u16le' as const } };

function batchOf(frames: Buffer[]): FramesBatch {
  const buffer = Buffer.concat(frames);
  const offsets = new Uint32Array(frames.length);
  for (let i = 1; i < frames.length; i++) offsets[i] = offsets[i - 1] + frames[i - 1].length;
  return framesBatch('d', buffer, offsets, Uint32Array.from(frames, (f) => f.length), Float64Array.from(frames, (_, i) => i * 10));
}

describe('crc step', () => {
  it('passes a batch whose frames all match through unchanged', async () => {
    const batch = batchOf([encodeFrame(1, 0, 0, Buffer.from('abc')), encodeFrame(1, 1, 0, Buffer.from('de'))]);
    const { output, context } = await runOperator(crcOperator, HARVEST_CRC, [batch]);
    expect(output).toEqual([batch]);
    expect(output[0]).toBe(batch);
    expect(context.metrics.errors.size).toBe(0);
  });

  it('drops failing and too-short frames, counts them and sends them to the dead-letter output', async () => {
    const good = encodeFrame(1, 0, 0, Buffer.from('abc'));
    const flipped = Buffer.from(encodeFrame(1, 1, 0, Buffer.from('xyz')));
    flipped[11] ^= 0x10;
    const tiny = Buffer.from([0x7b, 0x7d]);
    const { output, context } = await runOperator(crcOperator, { ...HARVEST_CRC, dead_letter: 'bad' }, [batchOf([flipped, good, tiny])]);
    expect(framesHex(output)).toEqual([good.toString('hex')]);
    expect((output[0] as FramesBatch).hostTimeNs).toEqual(Float64Array.of(10));
    expect(Object.fromEntries(context.metrics.errors)).toEqual({ crc: 1, short: 1 });
    const [dead] = context.emitted.get('bad') as RecordsBatch[];
    const reason = dead.columns.reason as StringColumn;
    expect(Array.from(reason.codes, (c) => reason.dictionary[c])).toEqual(['crc', 'short']);
    expect(dead.columns.host_time).toEqual(Float64Array.of(0, 20));
    expect(Buffer.from((dead.columns.bytes as { data: Uint8Array }).data).subarray(0, flipped.length).equals(flipped)).toBe(true);
  });

  it('supports custom parameters and big-endian values at the front of the frame', async () => {
    const body = Buffer.from('123456789');
    const frame = Buffer.concat([Buffer.from([0x31, 0xc3]), body]);
    const options = { algorithm: { width: 16, poly: 0x1021, init: 0, refin: false, refout: false, xorout: 0 }, over: [2, 0] as [number, number], value: { offset: 0, type: 'u16be' as const } };
    const { output } = await runOperator(crcOperator, options, [batchOf([frame])]);
    expect(framesHex(output)).toEqual([frame.toString('hex')]);
  });

  it('names the key in config errors', () => {
    const issues = (o: unknown) => crcOperator.options.safeParse(o).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ algorithm: 'CRC-17/FOO' })[0]).toMatch(/^algorithm: unknown CRC algorithm "CRC-17\/FOO"; known: CRC-8\/SMBUS/);
    expect(issues({ algorithm: { width: 16, poly: 0x1020 } })).toEqual(['algorithm.poly: poly 0x1020 must have its lowest bit set (written in normal, not reflected, form)']);
    expect(issues({ algorithm: 'CRC-32C', value: { offset: -2, type: 'u16le' } })).toEqual(['value.type: a 32-bit CRC is stored in 4 byte(s), not in u16le']);
  });
});
