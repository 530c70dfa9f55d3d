import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Batch } from '../../../src/core/batch.js';
import { resolveCrc } from '../../../src/core/crc/index.js';
import { runOperator } from '../../../src/core/standalone.js';
import { crcOperator } from '../../../src/operators/crc/index.js';
import { frameOperator } from '../../../src/operators/frame/index.js';
import { frameOptions } from '../../../src/operators/frame/options.js';
import { createScanner } from '../../../src/operators/frame/scanners.js';
import { encodeFrame } from '../../../src/sources/simulator/protocol.js';
import { framesHex, prng, randomBytes, randomChunks, randomInt, splitAt } from '../../helpers/bytes.js';
import { cobsEncode, hdlcEncode, slipEncode } from '../../helpers/encoders.js';
import { CountingScanner, accountedBytes, frameReads, readsOf, recoveredInOrder } from '../../helpers/framing.js';

const SPECIALS = [0x7b, 0x7d, 0x7e, 0xc0, 0xdb, 0x00, 0x0a];
const X25 = resolveCrc('CRC-16/IBM-SDLC');
const XMODEM = resolveCrc('CRC-16/XMODEM');
const HARVEST_CRC = { algorithm: 'CRC-16/IBM-3740', over: [1, -3] as [number, number], value: { offset: -3, type: 'u16le' as const } };

interface FormatCase {
  name: string;
  options: Record<string, unknown>;
  /** A downstream crc step, for the case where frame itself has no CRC. */
  crcStep?: z.input<typeof crcOperator.options>;
  /** Builds one frame: what goes on the wire and what the operator must deliver. */
  make(random: () => number, seq: number): { wire: Buffer; frame: Buffer };
  /** Damages a wire frame: returns the damaged bytes. */
  damage(random: () => number, wire: Buffer): Buffer;
}

/** A payload sprinkled with the bytes every format treats specially. */
function payload(random: () => number, n: number): Buffer {
  const out = randomBytes(random, n);
  for (let i = 0; i < n; i++) if (random() < 0.1) out[i] = SPECIALS[randomInt(random, SPECIALS.length)];
  return out;
}

function withX25(data: Buffer): Buffer {
  const out = Buffer.alloc(data.length + 2);
  data.copy(out);
  out.writeUInt16LE(X25.compute(data), data.length);
  return out;
}

/** Flips one bit, or cuts the frame short by at least `lose` bytes (a lost closing delimiter alone damages nothing). */
function flipOrTruncate(random: () => number, wire: Buffer, lose = 1): Buffer {
  const out = Buffer.from(wire);
  if (random() < 0.5) return out.subarray(0, 1 + randomInt(random, wire.length - lose));
  out[randomInt(random, out.length)] ^= 1 << randomInt(random, 8);
  return out;
}

function escaped(name: string, encode: (data: Buffer) => Buffer, lead: Buffer): FormatCase {
  return {
    name,
    options: { format: name, max_length: 300, crc: { algorithm: 'CRC-16/IBM-SDLC' } },
    make(random) {
      const frame = withX25(payload(random, 1 + randomInt(random, 120)));
      return { wire: Buffer.concat([lead, encode(frame)]), frame };
    },
    damage: (random, wire) => Buffer.concat([lead, flipOrTruncate(random, wire.subarray(lead.length), 2)]),
  };
}

const delimitedMake = (random: () => number, seq: number) => {
  const frame = encodeFrame(1 + randomInt(random, 3), seq, seq * 250, payload(random, randomInt(random, 240)));
  return { wire: frame, frame };
};

const delimitedDamage = (random: () => number, wire: Buffer) => {
  if (random() < 0.2) {
    const out = Buffer.from(wire);
    out.writeUInt16LE(0xffff, 8); // a length field that claims 64 KiB
    return out;
  }
  return flipOrTruncate(random, wire);
};

const DELIMITED = { start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 }, max_length: 300 };

const CASES: FormatCase[] = [
  {
    name: 'delimited with crc option',
    options: { start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 }, max_length: 300, crc: HARVEST_CRC },
    make: delimitedMake,
    damage: delimitedDamage,
  },
  {
    name: 'delimited then a crc step',
    options: { start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 }, max_length: 300 },
    crcStep: HARVEST_CRC,
    make: delimitedMake,
    damage: delimitedDamage,
  },
  {
    name: 'fixed with sync',
    options: { format: 'fixed', size: 34, sync: 'AA 55', crc: { algorithm: 'CRC-16/XMODEM', over: [2, -2], value: { offset: -2, type: 'u16be' } } },
    make(random) {
      const frame = Buffer.concat([Buffer.from([0xaa, 0x55]), payload(random, 30), Buffer.alloc(2)]);
      frame.writeUInt16BE(XMODEM.compute(frame, 2, 32), 32);
      return { wire: frame, frame };
    },
    damage: flipOrTruncate,
  },
  escaped('cobs', cobsEncode, Buffer.from([0x00])),
  escaped('slip', slipEncode, Buffer.alloc(0)),
  escaped('hdlc', hdlcEncode, Buffer.alloc(0)),
];

interface Stream {
  data: Buffer;
  intact: string[];
  /** Bytes of the intact frames as sent. */
  intactBytes: number;
}

function buildStream(c: FormatCase, seed: number, frames: number): Stream {
  const random = prng(seed);
  const parts: Buffer[] = [];
  const intact: string[] = [];
  let intactBytes = 0;
  for (let seq = 0; seq < frames; seq++) {
    if (random() < 0.15) parts.push(payload(random, 1 + randomInt(random, 60)));
    const { wire, frame } = c.make(random, seq);
    if (random() < 0.2) {
      parts.push(c.damage(random, wire));
    } else {
      parts.push(wire);
      intact.push(frame.toString('hex'));
      intactBytes += wire.length;
    }
  }
  return { data: Buffer.concat(parts), intact, intactBytes };
}

async function frameAll(c: FormatCase, reads: Batch[]) {
  const framed = await runOperator(frameOperator, c.options, reads);
  const output = c.crcStep ? (await runOperator(crcOperator, c.crcStep, framed.output)).output : framed.output;
  return { delivered: framesHex(output), metrics: framed.context.metrics };
}

describe.each(CASES)('frame fuzz: $name', (c) => {
  it.each([1, 2, 3])('recovers every intact frame and accounts for every byte (seed %i)', async (seed) => {
    const stream = buildStream(c, seed, 400);
    const random = prng(seed * 101);
    const { delivered, metrics } = await frameAll(c, randomChunks(stream.data, random, 700));
    expect(delivered).toEqual(stream.intact);
    const framed = metrics.counters.get('framed_bytes') ?? 0;
    const resync = metrics.errors.get('resync_bytes') ?? 0;
    expect(framed + resync).toBe(stream.data.length);
    // Where frames are views checked by the frame step's own CRC, framed bytes are exactly the intact
    // frames: every damaged byte, and all the garbage, is counted as resync bytes.
    if (!c.crcStep && !c.name.match(/cobs|slip|hdlc/)) expect(framed).toBe(stream.intactBytes);
    expect(resync).toBeGreaterThan(0);
  });

  it('gives the same frames for a stream split at every byte boundary', async () => {
    const stream = buildStream(c, 9, 12);
    const whole = await frameAll(c, splitAt(stream.data, []));
    expect(whole.delivered).toEqual(stream.intact);
    for (let cut = 1; cut < stream.data.length; cut += 1) {
      const split = await frameAll(c, splitAt(stream.data, [cut, cut + 7]));
      expect(split.delivered, `cut at ${cut}`).toEqual(stream.intact);
    }
  });

  it('survives pure garbage without an exception and counts it all', async () => {
    const random = prng(77);
    const garbage = payload(random, 20_000);
    const { metrics } = await frameAll(c, randomChunks(garbage, random, 300));
    const framed = metrics.counters.get('framed_bytes') ?? 0;
    expect(framed + (metrics.errors.get('resync_bytes') ?? 0)).toBe(garbage.length);
  });
});

describe('frame fuzz: lines', () => {
  it.each([1, 2])('recovers every line that fits, drops and counts the overlong ones (seed %i)', async (seed) => {
    const random = prng(seed);
    const lines: string[] = [];
    let text = '';
    let overlong = 0;
    for (let n = 0; n < 500; n++) {
      const long = random() < 0.05;
      const length = long ? 65 + randomInt(random, 200) : 1 + randomInt(random, 60);
      const line = Array.from({ length }, () => String.fromCharCode(0x20 + randomInt(random, 95))).join('');
      text += line + (random() < 0.5 ? '\r\n' : '\n');
      if (long) overlong++;
      else lines.push(line);
    }
    const data = Buffer.from(text, 'latin1');
    const { output, context } = await runOperator(frameOperator, { format: 'lines', max_length: 64 }, randomChunks(data, random, 90));
    expect(framesHex(output).map((h) => Buffer.from(h, 'hex').toString('latin1'))).toEqual(lines);
    expect(context.metrics.errors.get('oversize')).toBe(overlong);
    expect((context.metrics.counters.get('framed_bytes') ?? 0) + (context.metrics.errors.get('resync_bytes') ?? 0)).toBe(data.length);
  });
});

/** Formats where nothing tells an impostor from a frame: every intact frame must still come out, in order. */
const UNCHECKED_CASES: FormatCase[] = [
  { name: 'delimited without a CRC', options: DELIMITED, make: delimitedMake, damage: delimitedDamage },
  {
    name: 'delimited without a CRC, max_length 65548',
    options: { ...DELIMITED, max_length: 65548 },
    make: delimitedMake,
    damage: delimitedDamage,
  },
  {
    name: 'fixed with sync, without a CRC',
    options: { format: 'fixed', size: 34, sync: 'AA 55' },
    make(random) {
      const frame = Buffer.concat([Buffer.from([0xaa, 0x55]), payload(random, 32)]);
      return { wire: frame, frame };
    },
    damage: (random, wire) => wire.subarray(0, 1 + randomInt(random, wire.length - 1)),
  },
];

describe.each(UNCHECKED_CASES)('frame fuzz: $name', (c) => {
  it.each([1, 2, 3])('delivers every intact frame in order and accounts for every byte (seed %i)', async (seed) => {
    const stream = buildStream(c, seed, 400);
    const { delivered, metrics } = await frameAll(c, randomChunks(stream.data, prng(seed * 31), 700));
    expect(recoveredInOrder(stream.intact, delivered)).toBe(stream.intact.length);
    expect((metrics.counters.get('framed_bytes') ?? 0) + (metrics.errors.get('resync_bytes') ?? 0)).toBe(stream.data.length);
    const out = delivered.reduce((n, hex) => n + hex.length / 2, 0);
    expect(out).toBeLessThanOrEqual(6 * stream.data.length);
  });
});

/** Inputs built to hurt a framer: no frame at all, or candidates everywhere. */
function pathological(): [string, Buffer][] {
  const random = prng(2026);
  const repeat = (bytes: number[], total: number) => Buffer.alloc(total).fill(Buffer.from(bytes));
  return [
    ['random', randomBytes(random, 100_000)],
    ['all 0x7B', Buffer.alloc(100_000, 0x7b)],
    ['length field 65535 (7B 01 00 00 00 00 00 00 FF FF)', repeat([0x7b, 0x01, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 100_000)],
    ['long candidates ending on 0x7D (7B 01 00 00 00 00 00 7D FF FF)', repeat([0x7b, 0x01, 0, 0, 0, 0, 0, 0x7d, 0xff, 0xff], 100_000)],
    ['4 KiB candidates ending on 0x7D (7B 01 7D 00 00 00 00 00 F0 0F)', repeat([0x7b, 0x01, 0x7d, 0, 0, 0, 0, 0, 0xf0, 0x0f], 100_000)],
    ['zeros', Buffer.alloc(500_000)],
    ['specials only', payload(random, 100_000)],
  ];
}

const EVERY_FORMAT: [string, Record<string, unknown>][] = [
  ['delimited', DELIMITED],
  ['delimited, max_length 65548', { ...DELIMITED, max_length: 65548 }],
  ['delimited with a CRC, max_length 65548', { ...DELIMITED, max_length: 65548, crc: HARVEST_CRC }],
  ['delimited, end marker only', { start: 0x7b, end: 0x7d, max_length: 4096 }],
  ['cobs', { format: 'cobs', crc: { algorithm: 'CRC-16/IBM-SDLC' } }],
  ['slip', { format: 'slip' }],
  ['hdlc', { format: 'hdlc', crc: { algorithm: 'CRC-16/IBM-SDLC' } }],
  ['lines', { format: 'lines', max_length: 65536 }],
  ['fixed', { format: 'fixed', size: 32, sync: 'AA 55' }],
  ['fixed without sync, with a CRC', { format: 'fixed', size: 32, crc: { algorithm: 'CRC-16/XMODEM', over: [0, -2], value: { offset: -2, type: 'u16be' } } }],
];

describe.each(EVERY_FORMAT)('frame fuzz, pathological input: %s', (_name, raw) => {
  it.each(pathological())('%s: no exception, every byte counted, memory and work bounded', (_input, data) => {
    const scanner = new CountingScanner(createScanner(frameOptions.parse(raw)));
    const readSize = 65536;
    const { frames, metrics } = frameReads(scanner, readsOf(data, readSize));
    expect(accountedBytes(metrics)).toBe(data.length);
    // Nothing is kept beyond one frame span next to one read, and no byte is scanned more than a few times.
    expect(scanner.largestBuffer).toBeLessThanOrEqual(scanner.maxSpan + readSize);
    expect(scanner.scanned).toBeLessThanOrEqual(4 * data.length + 4 * scanner.maxSpan);
    expect(frames.reduce((n, f) => n + f.length, 0)).toBeLessThanOrEqual(6 * data.length + 4 * scanner.maxSpan);
  });
});

describe('frame fuzz: a crc step absorbed into frame', () => {
  it.each([4, 5])('recovers exactly the intact frames (seed %i)', async (seed) => {
    // What the runner builds for a frame step followed by a crc step.
    const options = frameOperator.absorbNext!(DELIMITED, 'crc', HARVEST_CRC);
    expect(options).toEqual({ ...DELIMITED, crc: HARVEST_CRC });
    const c: FormatCase = { name: 'absorbed', options: options!, make: delimitedMake, damage: delimitedDamage };
    const stream = buildStream(c, seed, 400);
    const { delivered, metrics } = await frameAll(c, randomChunks(stream.data, prng(seed), 700));
    expect(delivered).toEqual(stream.intact);
    expect(accountedBytes(metrics)).toBe(stream.data.length);
  });
});
