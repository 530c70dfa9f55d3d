import { describe, expect, it } from 'vitest';
import { bytesBatch } from '../../../src/core/batch.js';
import { runOperator, standaloneContext } from '../../../src/core/standalone.js';
import { crcOperator } from '../../../src/operators/crc/index.js';
import { frameOperator } from '../../../src/operators/frame/index.js';
import { encodeFrame } from '../../../src/sources/simulator/protocol.js';
import { framesHex, framesOf, prng, randomBytes, splitAt } from '../../helpers/bytes.js';

const HARVEST_FRAME = { format: 'delimited', start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 } } as const;
const HARVEST_CRC = { algorithm: 'CRC-16/IBM-3740', over: [1, -3] as [number, number], value: { offset: -3, type: 'u16le' as const } };

/** Reference frames whose payloads are full of start and end bytes. */
function trickyFrames(n: number, seed = 1): Buffer[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_, i) => {
    const payload = randomBytes(random, 200);
    for (let k = 0; k < payload.length; k += 7) payload[k] = k % 2 ? 0x7b : 0x7d;
    return encodeFrame(0x01, i, i * 250, payload);
  });
}

describe('frame: delimited', () => {
  it('recovers every frame split at every byte boundary, with host time of the completing read', async () => {
    const frames = trickyFrames(3);
    const stream = Buffer.concat(frames);
    for (let cut = 1; cut < stream.length; cut++) {
      const { output, context } = await runOperator(frameOperator, HARVEST_FRAME, splitAt(stream, [cut]));
      expect(framesHex(output)).toEqual(frames.map((f) => f.toString('hex')));
      const last = framesOf(output).at(-1)!;
      expect(last.hostTimeNs[last.count - 1]).toBe(1);
      expect(context.metrics.errors.get('resync_bytes') ?? 0).toBe(0);
      expect(context.metrics.counters.get('framed_bytes')).toBe(stream.length);
    }
  });

  it('emits views of the read, not copies, for frames inside one read', async () => {
    const stream = Buffer.concat(trickyFrames(4));
    const read = bytesBatch('dev', stream, 5);
    const { output } = await runOperator(frameOperator, HARVEST_FRAME, [read]);
    const [batch] = framesOf(output);
    expect(batch.count).toBe(4);
    expect(batch.buffer).toBe(stream);
    expect(Array.from(batch.offsets)).toEqual([0, 213, 426, 639]);
  });

  it('copies only the frame split across two reads, and only its own bytes', async () => {
    const frames = trickyFrames(5);
    const stream = Buffer.concat(frames);
    const reads = splitAt(stream, [300]);
    const { output } = await runOperator(frameOperator, { ...HARVEST_FRAME, crc: HARVEST_CRC }, reads);
    const batches = framesOf(output);
    expect(batches.map((b) => b.count)).toEqual([1, 1, 3]);
    expect(batches[0].buffer).toBe((reads[0] as { data: Buffer }).data);
    expect(batches[1].buffer.length).toBe(213);
    expect(batches[2].buffer).toBe((reads[1] as { data: Buffer }).data);
  });

  it.each([
    ['with the crc option on frame', { ...HARVEST_FRAME, crc: HARVEST_CRC }, false],
    ['with frame then a separate crc step', HARVEST_FRAME, true],
  ])('never loses a good frame to 0x7B in garbage or payloads (%s)', async (_label, frameOpts, separateCrc) => {
    const random = prng(7);
    const frames = trickyFrames(300, 3);
    const parts: Buffer[] = [];
    for (const frame of frames) {
      // Garbage made of start bytes, plausible length bytes and end bytes before every other frame.
      if (random() < 0.5) {
        const garbage = randomBytes(random, 1 + Math.floor(random() * 40));
        for (let k = 0; k < garbage.length; k++) if (random() < 0.3) garbage[k] = [0x7b, 0x7d, 0x00, 0x0b][k % 4];
        parts.push(garbage);
      }
      parts.push(frame);
    }
    const stream = Buffer.concat(parts);
    const reads = splitAt(stream, Array.from({ length: 200 }, (_, i) => Math.floor(((i + 1) * stream.length) / 201)));
    const framed = await runOperator(frameOperator, frameOpts, reads);
    const output = separateCrc ? (await runOperator(crcOperator, HARVEST_CRC, framed.output)).output : framed.output;
    expect(framesHex(output)).toEqual(frames.map((f) => f.toString('hex')));
    const m = framed.context.metrics;
    expect((m.counters.get('framed_bytes') ?? 0) + (m.errors.get('resync_bytes') ?? 0)).toBe(stream.length);
  });

  it('rejects a length field that claims 64 KiB as oversize and finds the next frame', async () => {
    const good = trickyFrames(2);
    const liar = Buffer.from(good[0]);
    liar.writeUInt16LE(0xffff, 8);
    const stream = Buffer.concat([liar, good[1]]);
    const { output, context } = await runOperator(frameOperator, { ...HARVEST_FRAME, dead_letter: 'rejected' }, splitAt(stream, [100, 300]));
    expect(framesHex(output)).toEqual([good[1].toString('hex')]);
    expect(context.metrics.errors.get('oversize')).toBe(1);
    expect(context.metrics.errors.get('resync_bytes')).toBe(liar.length);
    const dead = context.emitted.get('rejected')!;
    const rows = dead.reduce((n, b) => n + (b.kind === 'records' ? b.length : 0), 0);
    expect(rows).toBeGreaterThan(0);
    const first = dead[0];
    if (first.kind !== 'records') throw new Error('dead letters are records');
    expect(first.schema.fields.map((f) => [f.name, f.type, f.time])).toEqual([
      ['reason', 'string', undefined],
      ['host_time', 'f64', 'host'],
      ['bytes', 'binary', undefined],
    ]);
    const reason = first.columns.reason as { codes: Int32Array; dictionary: string[] };
    expect(reason.dictionary[reason.codes[0]]).toBe('oversize');
  });

  it('counts a truncated frame at the end of the input as short', async () => {
    const [frame] = trickyFrames(1);
    const { output, context } = await runOperator(frameOperator, HARVEST_FRAME, [bytesBatch('dev', frame.subarray(0, 150), 0)]);
    expect(framesHex(output)).toEqual([]);
    expect(context.metrics.errors.get('short')).toBe(1);
    expect(context.metrics.errors.get('resync_bytes')).toBe(150);
  });

  it('handles multi-byte start and end markers split across reads', async () => {
    const frames = ['AA55 0102 0D0A', 'AA55 ff AA 55 0D0A', 'AA55 0D0A'].map((h) => Buffer.from(h.replace(/ /g, ''), 'hex'));
    const stream = Buffer.concat([Buffer.from('55AA', 'hex'), frames[0], frames[1], frames[2]]);
    for (let cut = 1; cut < stream.length; cut++) {
      const { output } = await runOperator(frameOperator, { start: 'AA 55', end: '0D 0A', max_length: 16 }, splitAt(stream, [cut]));
      // The second frame holds the start marker in its payload: without a length field it ends at the first end marker.
      expect(framesHex(output), `cut ${cut}`).toEqual(frames.map((f) => f.toString('hex')));
    }
  });

  it('ends a start-only frame at the next start marker and at the end of the input', async () => {
    const stream = Buffer.from('7E01027E03047E05', 'hex');
    const { output } = await runOperator(frameOperator, { start: 0x7e, max_length: 8 }, splitAt(stream, [3]));
    expect(framesHex(output)).toEqual(['7e0102', '7e0304', '7e05']);
  });

  it('extends an end-delimited frame past an end byte in its payload when the CRC says so', async () => {
    const body = Buffer.from([0x01, 0x7d, 0x02]);
    const frame = Buffer.concat([Buffer.from([0x7b]), body, Buffer.alloc(2), Buffer.from([0x7d])]);
    const crc = { algorithm: 'CRC-16/XMODEM', over: [1, -3] as [number, number], value: { offset: -3, type: 'u16be' as const } };
    const { resolveCrc } = await import('../../../src/core/crc/index.js');
    frame.writeUInt16BE(resolveCrc('CRC-16/XMODEM').compute(body), 4);
    const { output, context } = await runOperator(frameOperator, { start: 0x7b, end: 0x7d, crc }, [bytesBatch('dev', frame, 0)]);
    expect(framesHex(output)).toEqual([frame.toString('hex')]);
    expect(context.metrics.errors.size).toBe(0);
  });
});

describe('frame: config errors name the key', () => {
  const issues = (options: unknown) => {
    const result = frameOperator.options.safeParse(options);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('reports a length field beyond max_length', () => {
    expect(issues({ start: 0x7b, length: { offset: 600, type: 'u16le' }, max_length: 512 })).toEqual([
      'length.offset: the length field ends at byte 602, beyond max_length 512',
    ]);
  });

  it('reports an unknown CRC algorithm with the known ones', () => {
    const [issue] = issues({ ...HARVEST_FRAME, crc: { algorithm: 'CRC-16/NOPE' } });
    expect(issue).toMatch(/^crc\.algorithm: unknown CRC algorithm "CRC-16\/NOPE"; known: .*CRC-32\/ISCSI/);
  });

  it('reports a CRC range outside the frame', () => {
    expect(issues({ format: 'fixed', size: 8, crc: { algorithm: 'CRC-8/SMBUS', over: [0, 12], value: { offset: 12, type: 'u8' } } })).toEqual([
      'crc.over: the CRC range and value need frames of at least 13 bytes, but frames have at most 8',
    ]);
  });

  it('reports a missing start, options of another format, and a reversed range', () => {
    expect(issues({ format: 'delimited', size: 4 })).toEqual([
      'size: size does not apply to format delimited (only fixed)',
      'start: format delimited needs start byte(s), e.g. start: 0x7B',
    ]);
    expect(issues({ start: 0x7b, crc: { algorithm: 'CRC-8/SMBUS', over: [5, 2] } })).toEqual(['crc.over: range [5, 2) is empty or reversed']);
    expect(issues({ start: 0x7b, crc: { algorithm: 'CRC-16/MODBUS', value: { offset: -1, type: 'u8' } } })).toEqual([
      'crc.value.type: a 16-bit CRC is stored in 2 byte(s), not in u8',
    ]);
  });

  it('parses the harvest pipeline step with its defaults', () => {
    const parsed = frameOperator.options.parse(HARVEST_FRAME);
    expect({ ...parsed, start: parsed.start?.toString('hex'), end: parsed.end?.toString('hex') }).toEqual({
      format: 'delimited',
      start: '7b',
      end: '7d',
      length: { offset: 8, type: 'u16le', adjust: 13 },
      max_length: 4096,
    });
  });

  it('caps max_length and size at 16 MiB', () => {
    const cap = 'at most 16777216 (16 MiB): the framer holds up to this many bytes per stream while a frame is incomplete';
    expect(issues({ format: 'lines', max_length: 1_000_000_000_000 })).toEqual([`max_length: ${cap}`]);
    expect(issues({ format: 'fixed', size: 16 * 1024 * 1024 + 1 })).toEqual([`size: ${cap}`]);
    expect(issues({ format: 'cobs', max_length: 16 * 1024 * 1024 })).toEqual([]);
  });
});
