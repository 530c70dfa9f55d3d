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
const REJECTED = -2;
const RECENT_ENDS = 8;

/**
 * Scans for start-marked frames. A candidate is checked by everything the format offers (length
 * bounds, end bytes, CRC); a failed candidate costs one byte: scanning resumes at the next byte.
 *
 * With a CRC a passing candidate is trusted and scanning jumps past it. Without one, a candidate
 * found after a resync could be garbage that merely looks like a frame and swallows the real frame
 * start behind it, so until a frame starts exactly where an earlier one ended (back in sync), every
 * passing candidate is emitted and scanning goes on from its next byte; a downstream `crc` step then
 * drops the impostors and the real frame is not lost.
 */
export class DelimitedScanner implements Scanner {
  readonly unescapes = false;
  readonly maxSpan: number;
  private readonly trusting: boolean;
  /** Absolute stream position up to which bytes are accounted for (framed or skipped). */
  private coveredEnd = 0;
  private readonly ends = new Float64Array(RECENT_ENDS).fill(-1);
  private endsAt = 0;

  constructor(private readonly spec: DelimitedSpec) {
    const onlyStart = spec.size === undefined && spec.length === undefined && spec.end === undefined;
    this.maxSpan = spec.size ?? spec.maxLength + (onlyStart ? spec.start.length : 0);
    // Tentative emission needs a check beyond the start marker to tell candidates apart.
    this.trusting = spec.check !== undefined || spec.start.length === 0 || (spec.end === undefined && spec.length === undefined);
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
      const length = this.evaluate(buf, p, to, out, final);
      if (length === NEED_MORE) {
        this.skipTo(buf, base, p, out);
        return p;
      }
      if (length === REJECTED) {
        pos = p + 1;
        continue;
      }
      this.skipTo(buf, base, p, out);
      out.frame(p, length);
      const end = base + p + length;
      if (end > this.coveredEnd) this.coveredEnd = end;
      const inSync = this.trusting || this.isRecentEnd(base + p);
      this.ends[this.endsAt] = end;
      this.endsAt = (this.endsAt + 1) % RECENT_ENDS;
      pos = inSync ? p + length : p + 1;
    }
    this.skipTo(buf, base, pos, out);
    return pos;
  }

  private isRecentEnd(position: number): boolean {
    for (let i = 0; i < RECENT_ENDS; i++) if (this.ends[i] === position) return true;
    return false;
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

  /** Length of the frame at `p`, NEED_MORE, or REJECTED (a counted reason, or a silent mismatch). */
  private evaluate(buf: Buffer, p: number, to: number, out: ScanOutput, final: boolean): number {
    const { spec } = this;
    let length: number;
    if (spec.size !== undefined) {
      length = spec.size;
    } else if (spec.length !== undefined) {
      const at = p + spec.length.offset;
      if (at + spec.length.size > to) return final ? this.short(out) : NEED_MORE;
      length = spec.length.read(buf, at) + spec.length.adjust;
      if (length > spec.maxLength) {
        out.reject('oversize');
        return REJECTED;
      }
      if (length < spec.minLength) {
        out.reject('short');
        return REJECTED;
      }
    } else {
      return this.searchEnd(buf, p, to, out, final);
    }
    if (p + length > to) return final ? this.short(out) : NEED_MORE;
    if (spec.end !== undefined && !matchAt(buf, p + length - spec.end.length, spec.end)) return REJECTED;
    if (spec.check !== undefined) {
      const verdict = spec.check(buf, p, length);
      if (verdict !== CRC_OK) {
        out.reject(verdict === CRC_BAD ? 'crc' : 'short');
        return REJECTED;
      }
    }
    return length;
  }

  private short(out: ScanOutput): number {
    out.reject('short');
    return REJECTED;
  }

  /**
   * Frames without a length field end at the end marker, or just before the next start marker.
   * With a CRC, a failing candidate is extended to the next marker (the payload may hold one).
   */
  private searchEnd(buf: Buffer, p: number, to: number, out: ScanOutput, final: boolean): number {
    const { spec } = this;
    const marker = spec.end ?? spec.start;
    const included = spec.end !== undefined ? marker.length : 0;
    let failed = false;
    let from = p + spec.start.length;
    for (;;) {
      let e = buf.indexOf(marker, from);
      if (e >= 0 && e + marker.length > to) e = -1;
      let length = e < 0 ? to - p : e + included - p;
      if (length > spec.maxLength) {
        out.reject(failed ? 'crc' : 'oversize');
        return REJECTED;
      }
      if (e < 0) {
        // The last frame of a start-marked stream ends with the input.
        if (!final) return NEED_MORE;
        if (spec.end !== undefined || length <= spec.start.length) return this.short(out);
        length = to - p;
      }
      if (length < spec.minLength) {
        if (e < 0) return this.short(out);
        from = e + 1;
        continue;
      }
      if (spec.check === undefined) return length;
      const verdict = spec.check(buf, p, length);
      if (verdict === CRC_OK) return length;
      failed = true;
      if (e < 0) {
        out.reject('crc');
        return REJECTED;
      }
      from = e + 1;
    }
  }
}

function matchAt(buf: Uint8Array, at: number, seq: Uint8Array): boolean {
  for (let i = 0; i < seq.length; i++) if (buf[at + i] !== seq[i]) return false;
  return true;
}
