import { describe, expect, it } from 'vitest';
import { bytesBatch } from '../../../src/core/batch.js';
import { runOperator } from '../../../src/core/standalone.js';
import { frameOperator } from '../../../src/operators/frame/index.js';
import { framesHex, framesOf, splitAt } from '../../helpers/bytes.js';
import { cobsEncode, hdlcEncode, slipEncode } from '../../helpers/encoders.js';

const text = (batches: Awaited<ReturnType<typeof runOperator>>['output']) => framesHex(batches).map((h) => Buffer.from(h, 'hex').toString('latin1'));

describe('frame: lines', () => {
  it('splits lines, strips \\r, skips empty lines and keeps a final line without newline', async () => {
    const stream = Buffer.from('a=1 b=2\r\n\nx,y\nlast');
    for (let cut = 1; cut < stream.length; cut++) {
      const { output, context } = await runOperator(frameOperator, { format: 'lines' }, splitAt(stream, [cut]));
      expect(text(output)).toEqual(['a=1 b=2', 'x,y', 'last']);
      expect(context.metrics.counters.get('framed_bytes')).toBe(stream.length);
    }
  });

  it('drops an overlong line to its end, counts it, and goes on', async () => {
    const stream = Buffer.from(`ok\n${'z'.repeat(50)}\nfine\n`);
    const { output, context } = await runOperator(frameOperator, { format: 'lines', max_length: 10, dead_letter: 'bad' }, splitAt(stream, [5, 20, 40]));
    expect(text(output)).toEqual(['ok', 'fine']);
    expect(context.metrics.errors.get('oversize')).toBe(1);
    expect(context.metrics.errors.get('resync_bytes')).toBe(51);
    expect(context.emitted.get('bad')!.length).toBeGreaterThan(0);
  });
});

describe('frame: fixed', () => {
  it('chops a stream without sync into frames of size bytes, across reads', async () => {
    const stream = Buffer.from('000102030405060708', 'hex');
    const { output, context } = await runOperator(frameOperator, { format: 'fixed', size: 4 }, splitAt(stream, [3, 5]));
    expect(framesHex(output)).toEqual(['00010203', '04050607']);
    expect(context.metrics.errors.get('short')).toBe(1);
  });

  it('finds sync bytes and skips what lies before them', async () => {
    const stream = Buffer.from('0102AA550102AA550304', 'hex');
    const { output, context } = await runOperator(frameOperator, { format: 'fixed', size: 4, sync: 'AA 55' }, [bytesBatch('d', stream, 0)]);
    expect(framesHex(output)).toEqual(['aa550102', 'aa550304']);
    expect(context.metrics.errors.get('resync_bytes')).toBe(2);
  });
});

describe('frame: byte stuffing', () => {
  const payloads = [Buffer.from([0x00, 0x7e, 0x7d, 0xc0, 0xdb, 0x01]), Buffer.alloc(600, 0x11), Buffer.from([0x00]), Buffer.from('hello')];

  it.each([
    ['cobs', cobsEncode],
    ['slip', slipEncode],
    ['hdlc', hdlcEncode],
  ] as const)('%s round-trips payloads full of special bytes, split at every boundary', async (format, encode) => {
    const stream = Buffer.concat(payloads.map((p) => encode(p)));
    const expected = payloads.map((p) => p.toString('hex'));
    for (let cut = 1; cut < stream.length; cut += 3) {
      const { output, context } = await runOperator(frameOperator, { format, max_length: 1024 }, splitAt(stream, [cut]));
      expect(framesHex(output), `${format} cut ${cut}`).toEqual(expected);
      expect(context.metrics.counters.get('framed_bytes')).toBe(stream.length);
    }
  });

  it('unescapes into one new buffer per read rather than one per frame', async () => {
    const stream = Buffer.concat(payloads.map((p) => slipEncode(p)));
    const { output } = await runOperator(frameOperator, { format: 'slip', max_length: 1024 }, [bytesBatch('d', stream, 3)]);
    const [batch] = framesOf(output);
    expect(batch.count).toBe(4);
    expect(batch.buffer).not.toBe(stream);
    expect(Array.from(batch.hostTimeNs)).toEqual([3, 3, 3, 3]);
  });

  it('counts malformed escapes and HDLC aborts as encoding, and oversize frames', async () => {
    const slipBad = Buffer.from([0xc0, 0x01, 0xdb, 0x05, 0xc0, 0x41, 0xc0]);
    const slip = await runOperator(frameOperator, { format: 'slip' }, [bytesBatch('d', slipBad, 0)]);
    expect(framesHex(slip.output)).toEqual(['41']);
    expect(slip.context.metrics.errors.get('encoding')).toBe(1);

    const hdlcAbort = Buffer.from([0x7e, 0x01, 0x02, 0x7d, 0x7e, 0x41, 0x7e]);
    const hdlc = await runOperator(frameOperator, { format: 'hdlc' }, [bytesBatch('d', hdlcAbort, 0)]);
    expect(framesHex(hdlc.output)).toEqual(['41']);
    expect(hdlc.context.metrics.errors.get('encoding')).toBe(1);

    const big = Buffer.concat([cobsEncode(Buffer.alloc(100, 1)), cobsEncode(Buffer.from([7]))]);
    const cobs = await runOperator(frameOperator, { format: 'cobs', max_length: 50 }, splitAt(big, [10, 60]));
    expect(framesHex(cobs.output)).toEqual(['07']);
    expect(cobs.context.metrics.errors.get('oversize')).toBe(1);
  });

  it('treats bytes before the first HDLC flag as a fragment', async () => {
    const stream = Buffer.concat([Buffer.from([0x31, 0x32]), hdlcEncode(Buffer.from('ok'))]);
    const { output, context } = await runOperator(frameOperator, { format: 'hdlc' }, [bytesBatch('d', stream, 0)]);
    expect(text(output)).toEqual(['ok']);
    expect(context.metrics.errors.get('resync_bytes')).toBe(2);
  });
});
