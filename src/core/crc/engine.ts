import zlib from 'node:zlib';
import type { CrcParams } from './catalogue.js';

/** A CRC algorithm ready to run: the parameters it was built from and a function over a byte range. */
export interface Crc {
  readonly params: CrcParams;
  /** CRC of `data[start, end)`, as an unsigned number of `params.width` bits. */
  compute(data: Uint8Array, start?: number, end?: number): number;
}

/** Reverses the low `width` bits of `value`. */
export function reflectBits(value: number, width: number): number {
  let out = 0;
  for (let bit = 0; bit < width; bit++) if (value & (2 ** bit)) out += 2 ** (width - 1 - bit);
  return out;
}

function mask(width: number): number {
  return width === 32 ? 0xffffffff : 2 ** width - 1;
}

/**
 * Eight 256-entry tables for slicing-by-8: table k gives the effect of a byte followed by k zero bytes,
 * so eight input bytes cost eight lookups and one register update instead of eight dependent steps.
 * Int32Array keeps every entry a small integer for V8 (a Uint32Array above 2^31 would become a double).
 */
function buildTables(params: CrcParams): Int32Array[] {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  const [t0] = tables;
  if (params.refin) {
    const poly = reflectBits(params.poly, params.width);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
      t0[i] = c;
    }
    for (let k = 1; k < 8; k++) for (let i = 0; i < 256; i++) tables[k][i] = (tables[k - 1][i] >>> 8) ^ t0[tables[k - 1][i] & 0xff];
  } else {
    // Register kept top-aligned in 32 bits, so one code path serves every width from 1 to 32.
    const poly = (params.poly * 2 ** (32 - params.width)) | 0;
    for (let i = 0; i < 256; i++) {
      let c = i << 24;
      for (let bit = 0; bit < 8; bit++) c = c & 0x80000000 ? (c << 1) ^ poly : c << 1;
      t0[i] = c;
    }
    for (let k = 1; k < 8; k++) for (let i = 0; i < 256; i++) tables[k][i] = (tables[k - 1][i] << 8) ^ t0[tables[k - 1][i] >>> 24];
  }
  return tables;
}

/**
 * Eight bytes per step are read as two 32-bit words through a DataView (two loads instead of eight);
 * the view is cached per backing ArrayBuffer, so a batch of frames in one buffer builds it once.
 */
function viewCache() {
  let buffer: ArrayBufferLike | undefined;
  let view: DataView | undefined;
  return (d: Uint8Array): DataView => {
    if (d.buffer !== buffer) {
      buffer = d.buffer;
      view = new DataView(d.buffer);
    }
    return view!;
  };
}

/**
 * The slicing-by-8 loop for both bit orders. A reflected CRC takes the first input byte from the
 * register's low bits (words read little-endian), a normal one from its high bits (words read
 * big-endian); ordering the tables to match lets one loop serve both.
 */
function slicingRun(tables: Int32Array[], init: number, reflected: boolean) {
  const [t0] = tables;
  // Table for the byte in bits 0-7, 8-15, 16-23, 24-31 of the first word, then of the second word.
  const [a0, a1, a2, a3, b0, b1, b2, b3] = reflected ? [7, 6, 5, 4, 3, 2, 1, 0].map((k) => tables[k]) : [4, 5, 6, 7, 0, 1, 2, 3].map((k) => tables[k]);
  const little = reflected;
  const viewOf = viewCache();
  return (d: Uint8Array, start: number, end: number): number => {
    let c = init;
    let i = start;
    if (end - start >= 16) {
      const view = viewOf(d);
      const base = d.byteOffset;
      for (; i + 8 <= end; i += 8) {
        const a = c ^ view.getInt32(base + i, little);
        const b = view.getInt32(base + i + 4, little);
        c = a0[a & 0xff] ^ a1[(a >>> 8) & 0xff] ^ a2[(a >>> 16) & 0xff] ^ a3[a >>> 24] ^ b0[b & 0xff] ^ b1[(b >>> 8) & 0xff] ^ b2[(b >>> 16) & 0xff] ^ b3[b >>> 24];
      }
    }
    if (reflected) for (; i < end; i++) c = (c >>> 8) ^ t0[(c ^ d[i]) & 0xff];
    else for (; i < end; i++) c = (c << 8) ^ t0[((c >>> 24) ^ d[i]) & 0xff];
    return c;
  };
}

function isIsoHdlc32(p: CrcParams): boolean {
  return p.width === 32 && p.poly === 0x04c11db7 && p.init === 0xffffffff && p.refin && p.refout && p.xorout === 0xffffffff;
}

/** Checks that parameters describe a CRC this engine can run; returns a message or undefined. */
export function crcParamsProblem(p: CrcParams): string | undefined {
  if (!Number.isInteger(p.width) || p.width < 1 || p.width > 32) return `width ${p.width} is not supported (1..32)`;
  const max = mask(p.width);
  for (const key of ['poly', 'init', 'xorout'] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 0 || p[key] > max) return `${key} 0x${p[key].toString(16)} does not fit in ${p.width} bits`;
  }
  if ((p.poly & 1) === 0) return `poly 0x${p.poly.toString(16)} must have its lowest bit set (written in normal, not reflected, form)`;
  return undefined;
}

const ZLIB_MIN_BYTES = 512;

/**
 * Builds a table-driven CRC (slicing-by-8) for any Rocksoft parameter set of width 1..32.
 * CRC-32/ISO-HDLC goes through zlib's native, vectorised crc32 for ranges of 512 bytes and more.
 */
export function createCrc(params: CrcParams): Crc {
  const problem = crcParamsProblem(params);
  if (problem) throw new Error(`crc: ${problem}`);
  const { width, refin, refout, xorout } = params;
  const tables = buildTables(params);
  const shift = 32 - width;
  const outMask = mask(width);
  if (refin) {
    const run = slicingRun(tables, reflectBits(params.init, width) | 0, true);
    const finish = refout ? (c: number) => ((c ^ xorout) & outMask) >>> 0 : (c: number) => (reflectBits(c >>> 0, width) ^ xorout) >>> 0;
    const compute = (data: Uint8Array, start = 0, end = data.length) => finish(run(data, start, end));
    if (!isIsoHdlc32(params)) return { params, compute };
    // zlib's native crc32 wins from about 512 bytes on (measured on the 2-core test machine); below,
    // the cost of the call and the view is larger than the table loop.
    return {
      params,
      compute: (data, start = 0, end = data.length) =>
        end - start < ZLIB_MIN_BYTES ? compute(data, start, end) : zlib.crc32(start === 0 && end === data.length ? data : data.subarray(start, end)) >>> 0,
    };
  }
  const run = slicingRun(tables, (params.init * 2 ** shift) | 0, false);
  const finish = refout
    ? (c: number) => (reflectBits(c >>> shift, width) ^ xorout) >>> 0
    : (c: number) => (((c >>> shift) ^ xorout) & outMask) >>> 0;
  return { params, compute: (data, start = 0, end = data.length) => finish(run(data, start, end)) };
}
