import { describe, expect, it } from 'vitest';
import { CRC_CATALOGUE, createCrc, findCrc, reflectBits, resolveCrc, type CrcParams } from '../../../src/core/crc/index.js';
import { crc16Ibm3740 } from '../../../src/sources/simulator/crc16.js';

const CHECK_INPUT = Buffer.from('123456789', 'ascii');

/** Bit-at-a-time reference straight from the Rocksoft model, independent of the table code. */
function bitwiseCrc(p: CrcParams, data: Uint8Array): number {
  const top = 2 ** (p.width - 1);
  const mask = 2 ** p.width - 1;
  let reg = p.init;
  for (const byte of data) {
    const b = p.refin ? reflectBits(byte, 8) : byte;
    for (let bit = 7; bit >= 0; bit--) {
      const inBit = (b >> bit) & 1;
      const msb = reg >= top ? 1 : 0;
      reg = (reg * 2) % (mask + 1);
      if (msb ^ inBit) reg = (reg ^ p.poly) >>> 0;
    }
  }
  if (p.refout) reg = reflectBits(reg, p.width);
  return ((reg ^ p.xorout) >>> 0) % (mask + 1);
}

/** A small seeded generator (mulberry32), so failures reproduce. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('CRC catalogue', () => {
  const published: Record<string, number> = {
    'CRC-8/SMBUS': 0xf4,
    'CRC-16/IBM-3740': 0x29b1,
    'CRC-16/MODBUS': 0x4b37,
    'CRC-16/XMODEM': 0x31c3,
    'CRC-16/KERMIT': 0x2189,
    'CRC-16/IBM-SDLC': 0x906e,
    'CRC-32/ISO-HDLC': 0xcbf43926,
    'CRC-32/ISCSI': 0xe3069283,
  };

  it.each(Object.entries(published))('%s gives its published check value', (name, check) => {
    expect(resolveCrc(name).compute(CHECK_INPUT)).toBe(check);
  });

  it.each(CRC_CATALOGUE.map((e) => [e.name, e] as const))('%s matches its catalogue check and the bitwise model', (_name, entry) => {
    expect(createCrc(entry).compute(CHECK_INPUT)).toBe(entry.check);
    expect(bitwiseCrc(entry, CHECK_INPUT)).toBe(entry.check);
  });

  it('finds aliases case-insensitively', () => {
    expect(findCrc('ccitt-false')?.name).toBe('CRC-16/IBM-3740');
    expect(findCrc('X-25')?.name).toBe('CRC-16/IBM-SDLC');
    expect(findCrc('crc-32c')?.name).toBe('CRC-32/ISCSI');
    expect(findCrc('CRC-16/NOPE')).toBeUndefined();
  });

  it('names the known algorithms when one is unknown', () => {
    expect(() => resolveCrc('CRC-99/FOO')).toThrow(/unknown CRC algorithm "CRC-99\/FOO"; known: .*CRC-16\/IBM-3740/);
  });

  it('computes ranges of a larger buffer, on both sides of the 8-byte stride', () => {
    const data = Buffer.from('xx123456789yy');
    for (const entry of CRC_CATALOGUE) expect(createCrc(entry).compute(data, 2, 11)).toBe(entry.check);
  });

  it('gives the same CRC-32/ISO-HDLC for short ranges (tables) and long ones (zlib)', () => {
    const random = prng(5);
    const data = Buffer.alloc(3000);
    for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
    const crc = resolveCrc('CRC-32/ISO-HDLC');
    for (const [from, to] of [[3, 100], [1, 511], [1, 513], [7, 3000], [0, 3000]]) {
      expect(crc.compute(data, from, to), `${from}..${to}`).toBe(bitwiseCrc(findCrc('CRC-32/ISO-HDLC')!, data.subarray(from, to)));
    }
  });

  it('keeps the simulator helper working', () => {
    expect(crc16Ibm3740(CHECK_INPUT)).toBe(0x29b1);
    expect(crc16Ibm3740(Buffer.from('a123456789'), 1, 10)).toBe(0x29b1);
  });
});

describe('custom CRC parameters', () => {
  it('agree with the bitwise model for random widths, polynomials and lengths', () => {
    const random = prng(42);
    for (let round = 0; round < 200; round++) {
      const width = 1 + Math.floor(random() * 32);
      const max = 2 ** width;
      const params: CrcParams = {
        width,
        poly: (Math.floor(random() * max) | 1) >>> 0,
        init: Math.floor(random() * max),
        refin: random() < 0.5,
        refout: random() < 0.5,
        xorout: Math.floor(random() * max),
      };
      // A view at an odd offset into a larger buffer, as frames are, long enough for the word loop.
      const backing = Buffer.alloc(80);
      for (let i = 0; i < backing.length; i++) backing[i] = Math.floor(random() * 256);
      const from = 1 + Math.floor(random() * 7);
      const data = backing.subarray(from, from + Math.floor(random() * 70));
      expect(createCrc(params).compute(data), JSON.stringify(params)).toBe(bitwiseCrc(params, data));
      expect(createCrc(params).compute(backing, from, from + data.length)).toBe(bitwiseCrc(params, data));
    }
  });

  it('refuses parameters it cannot run', () => {
    expect(() => createCrc({ width: 40, poly: 1, init: 0, refin: false, refout: false, xorout: 0 })).toThrow(/width 40/);
    expect(() => createCrc({ width: 8, poly: 0x107, init: 0, refin: false, refout: false, xorout: 0 })).toThrow(/poly/);
  });
});
