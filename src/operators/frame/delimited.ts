import { CRC_OK, CRC_BAD, type CrcCheck } from '../crc/check.js';
import type { ScanOutput, Scanner } from './output.js';

/** How a length field is read: total frame length = value + adjust. */
export interface LengthField {
  readonly offset: number;
  readonly size: number;
  readonly read: (buf: Uint8Array, at: number) => number;
  readonly adjust: number;
}

/** A frame format with a start marker and a known or searched-for end (`delimited` and `fixed`). */
export interface DelimitedSpec {
  /** Start bytes; empty for `fixed` without sync (every position may start a frame). */
  readonly start: Buffer;
  readonly end?: Buffer;
  readonly length?: LengthField;
  /** Constant frame size (`fixed`). */
  readonly size?: number;
  readonly maxLength: number;
  /** Shortest acceptable frame (header, length field, end, CRC range). */
  readonly minLength: number;
  readonly check?: CrcCheck;
}

const NEED_MORE = -1;
const MISMATCH = -2;
const OVERSIZE = -3;
const SHORT = -4;
const BAD_CRC = -5;
const REASON = { [OVERSIZE]: 'oversize', [SHORT]: 'short', [BAD_CRC]: 'crc' } as const;

/**
 * Scans for start-marked frames. A candidate is checked by everything the format offers (length
 * bounds, end bytes, CRC); a failed candidate costs one byte: scanning resumes at the next byte.
 *
 * With a CRC a passing candidate is trusted and scanning jumps past it. Without one, a candidate
 * could be garbage that merely looks like a frame and swallows the real frame start behind it. So a
 * passing candidate is emitted, but scanning jumps past it only when the next frame starts right at
 * its end; otherwise scanning goes on from its next byte, finds the real frame inside, and a
 * downstream `crc` step drops the impostor: the real frame is not lost.
 *
 * CRC failures are always counted; oversize and short candidates only where a frame was due (right
 * after the previous frame, or at the start of the stream), since while hunting for sync most start
 * bytes are payload or noise: those only add resync bytes.
 */
export class DelimitedScanner implements Scanner {
  readonly unescapes = false;
  readonly maxSpan: number;
  private readonly trusting: boolean;
  /** Absolute stream position up to which bytes are accounted for (framed or skipped). */
  private coveredEnd = 0;
  /** Absolute start of the last emitted frame: a frame kept to check its successor is not emitted twice. */
  private lastStart = -1;
  /** Absolute end of the last emitted frame: where the next frame is due. */
  private lastEnd = 0;
  /** After NEED_MORE from evaluate: bytes from the candidate start it needs (0 = unknown). */
  private needed = 0;

  constructor(private readonly spec: DelimitedSpec) {
    const onlyStart = spec.size === undefined && spec.length === undefined && spec.end === undefined;
    // Checking the successor needs the next frame as well: two frames' worth of input.
    this.trusting = spec.check !== undefined || spec.start.length === 0 || onlyStart;
    const frameSpan = spec.size ?? spec.maxLength + (onlyStart ? spec.start.length : 0);
    this.maxSpan = this.trusting ? frameSpan : 2 * frameSpan;
  }

  scan(buf: Buffer, base: number, from: number, to: number, limit: number, out: ScanOutput): number {
    return this.run(buf, base, from, to, limit, out, false);
  }

  finish(buf: Buffer, base: number, from: number, to: number, out: ScanOutput): void {
    const pos = this.run(buf, base, from, to, to, out, true);
    this.skipTo(buf, base, Math.max(pos, to), out);
  }

  private run(buf: Buffer, base: number, from: number, to: number, limit: number, out: ScanOutput, final: boolean): number {
    const startLength = this.spec.start.length;
    let pos = from;
    while (pos < limit) {
      const p = this.findStart(buf, pos, to);
      if (p < 0) {
        // The last bytes may hold the beginning of a multi-byte start marker.
        const keep = final ? to : Math.max(pos, to - (startLength - 1));
        this.skipTo(buf, base, keep, out);
        return keep;
      }
      if (p >= limit) {
        this.skipTo(buf, base, p, out);
        return p;
      }
      const length = this.evaluate(buf, p, to, final);
      if (length === NEED_MORE) {
        this.skipTo(buf, base, p, out);
        out.need = this.needed;
        return p;
      }
      if (length < 0) {
        // A CRC failure needs a plausible length and end marker first, so it is nearly always a real
        // damaged frame: always counted. Other rejections count only where a frame was due.
        if (length === BAD_CRC || (length !== MISMATCH && base + p === this.lastEnd)) out.reject(REASON[length as keyof typeof REASON]);
        pos = p + 1;
        continue;
      }
      const start = base + p;
      if (start > this.lastStart) {
        this.skipTo(buf, base, p, out);
        out.frame(p, length);
        this.lastStart = start;
        this.lastEnd = start + length;
        if (this.lastEnd > this.coveredEnd) this.coveredEnd = this.lastEnd;
      }
      if (this.trusting) {
        pos = p + length;
        continue;
      }
      const next = this.successor(buf, p + length, to, final);
      if (next === NEED_MORE) {
        this.skipTo(buf, base, p, out);
        out.need = length + this.needed;
        return p;
      }
      pos = next > 0 ? p + length : p + 1;
    }
    this.skipTo(buf, base, pos, out);
    return pos;
  }

  /** Whether a valid frame starts exactly at `at`: its length, a rejection, or NEED_MORE. */
  private successor(buf: Buffer, at: number, to: number, final: boolean): number {
    const start = this.spec.start;
    if (at + start.length > to) return final ? MISMATCH : this.needMore(start.length);
    if (!matchAt(buf, at, start)) return MISMATCH;
    const length = this.evaluate(buf, at, to, final);
    return length === NEED_MORE && final ? SHORT : length;
  }

  private needMore(bytes: number): number {
    this.needed = bytes;
    return NEED_MORE;
  }

  /** Marks the bytes before `pos` as accounted for, skipping those no frame covered. */
  private skipTo(buf: Buffer, base: number, pos: number, out: ScanOutput): void {
    const absolute = base + pos;
    if (absolute <= this.coveredEnd) return;
    out.skip(buf, Math.max(this.coveredEnd - base, 0), pos);
    this.coveredEnd = absolute;
  }

  private findStart(buf: Buffer, pos: number, to: number): number {
    const start = this.spec.start;
    if (start.length === 0) return pos;
    if (start.length === 1) {
      if (buf[pos] === start[0]) return pos;
      const i = buf.indexOf(start[0], pos);
      return i < to ? i : -1;
    }
    const i = buf.indexOf(start, pos);
    return i >= 0 && i + start.length <= to ? i : -1;
  }

  /** Length of the frame at `p`, NEED_MORE, or a rejection (MISMATCH is not counted). */
  private evaluate(buf: Buffer, p: number, to: number, final: boolean): number {
    const { spec } = this;
    let length: number;
    if (spec.size !== undefined) {
      length = spec.size;
    } else if (spec.length !== undefined) {
      const at = p + spec.length.offset;
      if (at + spec.length.size > to) return final ? SHORT : this.needMore(spec.length.offset + spec.length.size);
      length = spec.length.read(buf, at) + spec.length.adjust;
      if (length > spec.maxLength) return OVERSIZE;
      if (length < spec.minLength) return SHORT;
    } else {
      return this.searchEnd(buf, p, to, final);
    }
    if (p + length > to) return final ? SHORT : this.needMore(length);
    if (spec.end !== undefined && !matchAt(buf, p + length - spec.end.length, spec.end)) return MISMATCH;
    if (spec.check !== undefined) {
      const verdict = spec.check(buf, p, length);
      if (verdict !== CRC_OK) return verdict === CRC_BAD ? BAD_CRC : SHORT;
    }
    return length;
  }

  /**
   * Frames without a length field end at the end marker, or just before the next start marker.
   * With a CRC, a failing candidate is extended to the next marker (the payload may hold one).
   */
  private searchEnd(buf: Buffer, p: number, to: number, final: boolean): number {
    const { spec } = this;
    const marker = spec.end ?? spec.start;
    const included = spec.end !== undefined ? marker.length : 0;
    let failed = false;
    let from = p + spec.start.length;
    for (;;) {
      let e = buf.indexOf(marker, from);
      if (e >= 0 && e + marker.length > to) e = -1;
      const length = e < 0 ? to - p : e + included - p;
      if (length > spec.maxLength) return failed ? BAD_CRC : OVERSIZE;
      if (e < 0) {
        if (!final) return this.needMore(0);
        // The last frame of a start-marked stream ends with the input.
        if (spec.end !== undefined || length <= spec.start.length) return SHORT;
      }
      if (length < spec.minLength) {
        if (e < 0) return SHORT;
        from = e + 1;
        continue;
      }
      if (spec.check === undefined) return length;
      const verdict = spec.check(buf, p, length);
      if (verdict === CRC_OK) return length;
      failed = true;
      if (e < 0) return BAD_CRC;
      from = e + 1;
    }
  }
}

function matchAt(buf: Uint8Array, at: number, seq: Uint8Array): boolean {
  for (let i = 0; i < seq.length; i++) if (buf[at + i] !== seq[i]) return false;
  return true;
}
