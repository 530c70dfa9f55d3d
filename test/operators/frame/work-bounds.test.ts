import { describe, expect, it } from 'vitest';
import { bytesBatch, type BytesBatch } from '../../../src/core/batch.js';
import { ComponentMetrics } from '../../../src/core/metrics.js';
import { standaloneContext } from '../../../src/core/testing.js';
import { crcCheck } from '../../../src/operators/crc/check.js';
import { crcSettings } from '../../../src/operators/crc/options.js';
import { DeadLetters } from '../../../src/operators/dead-letters.js';
import { DelimitedScanner } from '../../../src/operators/frame/delimited.js';
import { Framer } from '../../../src/operators/frame/framer.js';
import { frameOptions } from '../../../src/operators/frame/options.js';
import { ScanOutput, type Scanner } from '../../../src/operators/frame/output.js';
import { createScanner } from '../../../src/operators/frame/scanners.js';
import { UINT_READERS } from '../../../src/operators/uint-field.js';
import { encodeFrame } from '../../../src/sources/simulator/protocol.js';
import { prng, randomBytes, randomInt } from '../../support/bytes.js';

const HARVEST_CRC = { algorithm: 'CRC-16/IBM-3740', over: [1, -3] as [number, number], value: { offset: -3, type: 'u16le' as const } };
const LENGTH = { offset: 8, size: 2, read: UINT_READERS.u16le, adjust: 13 };

/** Wraps a scanner to count the bytes each scan is handed and the largest buffer it sees. */
class CountingScanner implements Scanner {
  scanned = 0;
  largestBuffer = 0;
  readonly joinWindow?: (data: Buffer, from: number) => number;
  constructor(private readonly inner: Scanner) {
    if (inner.joinWindow) this.joinWindow = (data, from) => inner.joinWindow!(data, from);
  }
  get maxSpan() {
    return this.inner.maxSpan;
  }
  get unescapes() {
    return this.inner.unescapes;
  }
  scan(buf: Buffer, base: number, from: number, to: number, limit: number, out: ScanOutput): number {
    this.scanned += to - from;
    this.largestBuffer = Math.max(this.largestBuffer, buf.length);
    return this.inner.scan(buf, base, from, to, limit, out);
  }
  holdsEnd(data: Buffer): boolean {
    return this.inner.holdsEnd?.(data) ?? true;
  }
  finish(buf: Buffer, base: number, from: number, to: number, out: ScanOutput): void {
    this.scanned += to - from;
    this.largestBuffer = Math.max(this.largestBuffer, buf.length);
    this.inner.finish(buf, base, from, to, out);
  }
}

function framer(scanner: Scanner) {
  const metrics = new ComponentMetrics('frame', 'operator', 'frame');
  return { metrics, framer: new Framer(scanner, metrics, new ScanOutput(new DeadLetters(standaloneContext(), undefined))) };
}

/** Runs reads through a framer; returns the frames (as buffers) and the metrics. */
function frameAll(scanner: Scanner, reads: BytesBatch[]) {
  const { metrics, framer: f } = framer(scanner);
  const frames: Buffer[] = [];
  const collect = (batch: { buffer: Buffer; offsets: Uint32Array; lengths: Uint32Array; count: number } | undefined) => {
    for (let i = 0; batch && i < batch.count; i++) frames.push(batch.buffer.subarray(batch.offsets[i], batch.offsets[i] + batch.lengths[i]));
  };
  for (const read of reads) for (const batch of f.push(read)) collect(batch);
  collect(f.finish('dev', 0));
  return { frames, metrics };
}

function readsOf(data: Buffer, size: number): BytesBatch[] {
  const reads: BytesBatch[] = [];
  for (let at = 0; at < data.length; at += size) reads.push(bytesBatch('dev', data.subarray(at, at + size), reads.length));
  return reads;
}

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
    const { frames, metrics } = frameAll(scanner, readsOf(data, 65536));
    expect(frames).toEqual([]);
    // Unbounded, each 10th byte would start a 64 KiB CRC: about 6,500 CRC bytes per input byte.
    expect(crcBytes).toBeLessThanOrEqual(16 * data.length + 16 * 65548 + 4096);
    expect(metrics.errors.get('unchecked')).toBeGreaterThan(0);
    expect((metrics.counters.get('framed_bytes') ?? 0) + (metrics.errors.get('resync_bytes') ?? 0)).toBe(data.length);
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
    const { frames } = frameAll(createScanner(options), readsOf(data, 4096));
    expect(frames.map((f) => f.toString('hex'))).toEqual(sent.map((f) => f.toString('hex')));
  });

  it('without a CRC, overlapping candidates cannot multiply the frame bytes out', () => {
    // Every 10th byte starts a 4093-byte candidate that ends on 0x7D (the report's 4 KB variant).
    const data = repeat([0x7b, 0x01, 0x7d, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x0f], 20_000); // 200 kB
    const options = frameOptions.parse({ start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 } });
    const { frames, metrics } = frameAll(createScanner(options), readsOf(data, 8192));
    const frameBytes = frames.reduce((n, f) => n + f.length, 0);
    // Unbounded, each byte would sit in about 400 emitted frames.
    expect(frameBytes).toBeLessThanOrEqual(6 * data.length);
    expect((metrics.counters.get('framed_bytes') ?? 0) + (metrics.errors.get('resync_bytes') ?? 0)).toBe(data.length);
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
    const { metrics } = frameAll(scanner, readsOf(data, 1024));
    // Joining the kept bytes with each read would hand the scanner about 2 GB.
    expect(scanner.scanned).toBeLessThanOrEqual(3 * data.length);
    expect((metrics.counters.get('framed_bytes') ?? 0) + (metrics.errors.get('resync_bytes') ?? 0)).toBe(data.length);
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
    const { frames } = frameAll(scanner, readsOf(frame, 4096));
    expect(frames.map((f) => f.length)).toEqual([frame.length]);
    expect(scanner.scanned).toBeLessThanOrEqual(3 * frame.length);
    expect(scanner.largestBuffer).toBeLessThanOrEqual(frame.length + 4096);
  });
});
