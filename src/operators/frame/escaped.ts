import { CRC_BAD, CRC_OK, type CrcCheck } from '../crc/check.js';
import type { ScanOutput } from './output.js';
import { DelimiterScanner } from './split.js';

/**
 * Byte-stuffing formats: frames end at a delimiter byte that never occurs inside them, so a damaged
 * frame costs only itself and resync is at the next delimiter. Frames are unescaped into a new buffer.
 */
export interface Unescaper {
  readonly delimiter: number;
  /** Input bytes a frame of `maxLength` unescaped bytes can take at most. */
  maxRawSpan(maxLength: number): number;
  /** True when the bytes before the first delimiter are a fragment, not a frame (HDLC opens with a flag). */
  readonly opensWithDelimiter: boolean;
  /** Unescapes `raw[from, to)` into `target` at `at`; returns the length, or -1 when malformed. */
  decode(raw: Uint8Array, from: number, to: number, target: Uint8Array, at: number): number;
}

/** COBS: each block starts with a code byte n, n-1 data bytes follow, then a zero unless n is 0xFF. */
export const cobs: Unescaper = {
  delimiter: 0x00,
  opensWithDelimiter: false,
  maxRawSpan: (maxLength) => maxLength + Math.ceil(maxLength / 254) + 2,
  decode(raw, from, to, target, at) {
    let i = from;
    let o = at;
    while (i < to) {
      const code = raw[i];
      const next = i + code;
      if (next > to) return -1;
      for (let j = i + 1; j < next; j++) target[o++] = raw[j];
      i = next;
      if (code !== 0xff && i < to) target[o++] = 0;
    }
    return o - at;
  },
};

/** SLIP (RFC 1055): END 0xC0 ends a packet; ESC 0xDB + 0xDC stands for END, ESC + 0xDD for ESC. */
export const slip: Unescaper = {
  delimiter: 0xc0,
  opensWithDelimiter: false,
  maxRawSpan: (maxLength) => 2 * maxLength + 2,
  decode(raw, from, to, target, at) {
    let o = at;
    for (let i = from; i < to; i++) {
      const b = raw[i];
      if (b !== 0xdb) {
        target[o++] = b;
        continue;
      }
      const c = raw[++i];
      if (i >= to || (c !== 0xdc && c !== 0xdd)) return -1;
      target[o++] = c === 0xdc ? 0xc0 : 0xdb;
    }
    return o - at;
  },
};

/** HDLC-like framing (RFC 1662): flag 0x7E between frames; 0x7D escapes the next byte xor 0x20. */
export const hdlc: Unescaper = {
  delimiter: 0x7e,
  opensWithDelimiter: true,
  maxRawSpan: (maxLength) => 2 * maxLength + 2,
  decode(raw, from, to, target, at) {
    let o = at;
    for (let i = from; i < to; i++) {
      const b = raw[i];
      if (b !== 0x7d) {
        target[o++] = b;
        continue;
      }
      // 0x7D right before the flag is the abort sequence: the sender gave up on this frame.
      if (++i >= to) return -1;
      target[o++] = raw[i] ^ 0x20;
    }
    return o - at;
  },
};

/** Splits at the delimiter, unescapes, checks length and CRC. */
export class EscapedScanner extends DelimiterScanner {
  readonly unescapes = true;

  constructor(
    private readonly format: Unescaper,
    private readonly maxLength: number,
    private readonly check: CrcCheck | undefined,
  ) {
    super(format.delimiter, format.maxRawSpan(maxLength), false, format.opensWithDelimiter);
  }

  finish(buf: Buffer, base: number, from: number, to: number, out: ScanOutput): void {
    const pos = this.scan(buf, base, from, to, to, out);
    if (pos < to) {
      out.reject('short');
      out.skip(buf, pos, to);
    }
  }

  protected take(buf: Buffer, from: number, to: number, out: ScanOutput): void {
    if (to === from) return;
    const length = this.format.decode(buf, from, to, out.target, out.written);
    if (length < 0 || length > this.maxLength) {
      out.reject(length < 0 ? 'encoding' : 'oversize');
      out.skip(buf, from, to + 1);
      return;
    }
    if (length === 0) return;
    if (this.check !== undefined) {
      const verdict = this.check(out.target, out.written, length);
      if (verdict !== CRC_OK) {
        out.reject(verdict === CRC_BAD ? 'crc' : 'short');
        out.skip(buf, from, to + 1);
        return;
      }
    }
    out.frame(out.written, length);
    out.written += length;
  }
}
