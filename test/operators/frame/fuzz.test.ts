import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Batch } from '../../../src/core/batch.js';
import { resolveCrc } from '../../../src/core/crc/index.js';
import { runOperator } from '../../../src/core/standalone.js';
import { crcOperator } from '../../../src/operators/crc/index.js';
import { frameOperator } from '../../../src/operators/frame/index.js';
import { encodeFrame } from '../../../src/sources/simulator/protocol.js';
import { framesHex, prng, randomBytes, randomChunks, randomInt, splitAt } from '../../support/bytes.js';
import { cobsEncode, hdlcEncode, slipEncode } from '../../support/encoders.js';

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
