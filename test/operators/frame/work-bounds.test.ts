import { describe, expect, it } from 'vitest';
import { crcCheck } from '../../../src/operators/crc/check.js';
import { crcSettings } from '../../../src/operators/crc/options.js';
import { DelimitedScanner } from '../../../src/operators/frame/delimited.js';
import { frameOptions } from '../../../src/operators/frame/options.js';
import { createScanner } from '../../../src/operators/frame/scanners.js';
import { UINT_READERS } from '../../../src/operators/uint-field.js';
import { encodeFrame } from '../../../src/sources/simulator/protocol.js';
import { prng, randomBytes, randomInt } from '../../helpers/bytes.js';
import { CountingScanner, accountedBytes, frameReads, readsOf } from '../../helpers/framing.js';

const HARVEST_CRC = { algorithm: 'CRC-16/IBM-3740', over: [1, -3] as [number, number], value: { offset: -3, type: 'u16le' as const } };
const LENGTH = { offset: 8, size: 2, read: UINT_READERS.u16le, adjust: 13 };

const repeat = (bytes: number[], times: number) => Buffer.concat(Array.from({ length: times }, () => Buffer.from(bytes)));
/** Every 10th byte starts a candidate with length field 65535 (65548 bytes) whose end byte is 0x7D. */
const LONG_CANDIDATES = [0x7b, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7d, 0xff, 0xff];

describe('frame: work per input byte is bounded', () => {
  it('a crafted stream of 64 KiB candidates whose end bytes match costs at most 16 CRC bytes per input byte', () => {
    const data = repeat(LONG_CANDIDATES, 200_000); // 2 MB
    let crcBytes = 0;
    const crc = crcCheck(crcSettings(HARVEST_CRC));
    const scanner = new DelimitedScanner({
      start: Buffer.from([0x7b]),
      end: Buffer.from([0x7d]),
      length: LENGTH,
      maxLength: 65548,
      minLength: 13,
      check: (buf, offset, length) => {
        crcBytes += length;
        return crc(buf, offset, length);
      },
    });
    const { frames, metrics } = frameReads(scanner, readsOf(data, 65536));
    expect(frames).toEqual([]);
    // Unbounded, each 10th byte would start a 64 KiB CRC: about 6,500 CRC bytes per input byte.
    expect(crcBytes).toBeLessThanOrEqual(16 * data.length + 16 * 65548 + 4096);
    expect(metrics.errors.get('unchecked')).toBeGreaterThan(0);
    expect(accountedBytes(metrics)).toBe(data.length);
  });

  it('still finds every real frame between bursts of such candidates', () => {
    const random = prng(5);
    const sent: Buffer[] = [];
    const parts: Buffer[] = [];
    for (let seq = 0; seq < 3000; seq++) {
      if (seq % 10 === 0) parts.push(repeat(LONG_CANDIDATES, 100));
      const frame = encodeFrame(1, seq, seq, randomBytes(random, 1 + randomInt(random, 240)));
      sent.push(frame);
      parts.push(frame);
    }
    const data = Buffer.concat(parts);
    const options = frameOptions.parse({ start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 }, max_length: 65548, crc: HARVEST_CRC });
    const { frames } = frameReads(createScanner(options), readsOf(data, 4096));
    expect(frames.map((f) => f.toString('hex'))).toEqual(sent.map((f) => f.toString('hex')));
  });

  it('without a CRC, overlapping candidates cannot multiply the frame bytes out', () => {
    // Every 10th byte starts a 4093-byte candidate that ends on 0x7D (the report's 4 KB variant).
    const data = repeat([0x7b, 0x01, 0x7d, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x0f], 20_000); // 200 kB
    const options = frameOptions.parse({ start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 } });
    const { frames, metrics } = frameReads(createScanner(options), readsOf(data, 8192));
    const frameBytes = frames.reduce((n, f) => n + f.length, 0);
    // Unbounded, each byte would sit in about 400 emitted frames.
    expect(frameBytes).toBeLessThanOrEqual(6 * data.length);
    expect(accountedBytes(metrics)).toBe(data.length);
  });
});

describe('frame: buffering is linear in the input', () => {
  const cases: [string, Record<string, unknown>, Buffer, Buffer][] = [
    ['lines', { format: 'lines', max_length: 16 * 1024 * 1024 }, Buffer.alloc(2_000_000, 0x78), Buffer.from('\n')],
    ['cobs', { format: 'cobs', max_length: 16 * 1024 * 1024 }, Buffer.alloc(2_000_000, 0x01), Buffer.from([0x00])],
    ['slip', { format: 'slip', max_length: 16 * 1024 * 1024 }, Buffer.alloc(2_000_000, 0x55), Buffer.from([0xc0])],
    ['start-only delimited', { format: 'delimited', start: 0x7e, max_length: 16 * 1024 * 1024 }, Buffer.concat([Buffer.from([0x7e]), Buffer.alloc(2_000_000, 0x55)]), Buffer.from([0x7e])],
  ];

  it.each(cases)('%s: a 2 MB frame arriving in 1 KiB reads is scanned a bounded number of times', (_name, raw, body, delimiter) => {
    const scanner = new CountingScanner(createScanner(frameOptions.parse(raw)));
    const data = Buffer.concat([body, delimiter, Buffer.from('0a0a', 'hex')]);
    const { metrics } = frameReads(scanner, readsOf(data, 1024));
    // Joining the kept bytes with each read would hand the scanner about 2 GB.
    expect(scanner.scanned).toBeLessThanOrEqual(3 * data.length);
    expect(accountedBytes(metrics)).toBe(data.length);
    expect(metrics.counters.get('framed_bytes')).toBeGreaterThanOrEqual(body.length);
  });

  it('a length field that claims 10 MB waits for the bytes without rescanning them', () => {
    const frame = Buffer.alloc(10_000_013, 0x55);
    frame[0] = 0x7b;
    frame.writeUInt16LE(0, 8);
    const scanner = new CountingScanner(
      new DelimitedScanner({ start: Buffer.from([0x7b]), end: Buffer.from([0x7d]), length: { offset: 1, size: 4, read: UINT_READERS.u32le, adjust: 13 }, maxLength: 16 * 1024 * 1024, minLength: 13, check: () => 0 }),
    );
    frame.writeUInt32LE(10_000_000, 1);
    frame[frame.length - 1] = 0x7d;
    const { frames } = frameReads(scanner, readsOf(frame, 4096));
    expect(frames.map((f) => f.length)).toEqual([frame.length]);
    expect(scanner.scanned).toBeLessThanOrEqual(3 * frame.length);
    expect(scanner.largestBuffer).toBeLessThanOrEqual(frame.length + 4096);
  });
});
