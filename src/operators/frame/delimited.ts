import { CRC_OK, CRC_BAD, type CrcCheck } from '../crc/check.js';
import type { ScanOutput, Scanner } from './output.js';
import { MarkerSearch } from './marker-search.js';
import { WorkBudget } from './work-budget.js';

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

/** Why a candidate is not a frame. `mismatch` (no end marker, no start marker) is never counted. */
type Rejection = 'mismatch' | 'oversize' | 'short' | 'crc' | 'unchecked';

/** What is found at a start marker: a frame of some length, a rejection, or a need for more input. */
type Verdict =
  | { readonly kind: 'frame'; readonly length: number }
  | { readonly kind: 'reject'; readonly reason: Rejection }
  /** `bytes` from the candidate start are needed to decide; 0 when unknown (an end marker not seen yet). */
  | { readonly kind: 'more'; readonly bytes: number };

const reject = (reason: Rejection): Verdict => Object.freeze({ kind: 'reject', reason });
const MISMATCH = reject('mismatch');
const OVERSIZE = reject('oversize');
const SHORT = reject('short');
const BAD_CRC = reject('crc');
const UNCHECKED = reject('unchecked');
const MORE_UNKNOWN: Verdict = Object.freeze({ kind: 'more', bytes: 0 });
const more = (bytes: number): Verdict => ({ kind: 'more', bytes });

/** Check work one candidate may take beyond the credit: a few real frames' worth. */
const OVERDRAFT = 4096;

/** Without a CRC, bytes of overlapping frames allowed per input byte. */
const OVERLAP_PER_BYTE = 4;

/** Checked bytes allowed per input byte: crafted input slows the scan by at most this factor. */
const WORK_PER_BYTE = 16;

/**
 * Scans for start-marked frames. A candidate is checked by everything the format offers (length
 * bounds, end bytes, CRC); a failed candidate costs one byte: scanning resumes at the next byte.
 *
 * With a CRC a passing candidate is trusted and scanning jumps past it. Without one, a candidate
 * could be garbage that merely looks like a frame (a start byte in noise whose length field happens
 * to land on an end byte) and would hide the real frames it spans. So without a CRC:
 * - a candidate right where the previous frame ended is emitted at once (a clean stream waits for
 *   nothing); any other waits until the bytes after it are seen;
 * - a candidate followed by a frame start is confirmed, and scanning jumps past it, unless a chain
 *   of frames inside it ends exactly where it ends: two or more such frames make it the impostor
 *   (only the chain is emitted), one leaves both emitted (nothing tells them apart);
 * - an unconfirmed candidate (the last frame before noise, or garbage) is emitted and its inside
 *   is scanned again, so real frames it spans are found too.
 * An intact frame is lost only to crafted input that exhausts the budgets below; some impostors are
 * emitted, which a downstream `crc` step drops.
 * Overlapping frames are emitted only within a budget per input byte, so crafted input cannot
 * multiply the output.
 *
 * CRC failures are always counted; oversize and short candidates only where a frame was due (right
 * after the previous frame, or at the start of the stream), since while hunting for sync most start
 * bytes are payload or noise: those only add resync bytes. Work per input byte is bounded
 * (`WorkBudget`); a check or an overlapping frame skipped for lack of budget is counted as `unchecked`.
 */
export class DelimitedScanner implements Scanner {
  readonly unescapes = false;
  readonly maxSpan: number;
  private readonly trusting: boolean;
  /** Without a CRC, whether confirmed candidates are searched for a chain of frames inside. */
  private readonly searchesInside: boolean;
  private readonly budget: WorkBudget;
  /** Positions reached by a chain during one search inside a candidate (none of them ended the chain). */
  private readonly reached = new Set<number>();
  /** Absolute stream position up to which bytes are accounted for (framed or skipped). */
  private coveredEnd = 0;
  /** Absolute end of the last emitted frame: where the next frame is due. */
  private lastEnd = 0;
  /** Absolute start of the last emitted frame, so a frame emitted before its successor was seen is not emitted twice. */
  private lastStart = -1;
  /** `coveredEnd` before the last frame was emitted: whether that frame started inside another one. */
  private coveredBeforeLast = 0;
  private readonly markers = new MarkerSearch();
  /** Without a CRC, bytes of overlapping frames emitted per input byte (crafted input could overlap them without end). */
  private readonly overlap: WorkBudget;

  constructor(private readonly spec: DelimitedSpec) {
    const onlyStart = spec.size === undefined && spec.length === undefined && spec.end === undefined;
    // Confirming a frame needs the next frame's header as well: two frames' worth of input.
    this.trusting = spec.check !== undefined || spec.start.length === 0 || onlyStart;
    this.searchesInside = !this.trusting && spec.length !== undefined && spec.size === undefined;
    const frameSpan = spec.size ?? spec.maxLength + (onlyStart ? spec.start.length : 0);
    this.maxSpan = this.trusting ? frameSpan : 2 * frameSpan;
    // A fixed frame without sync is tried at every offset: its size per byte is the format's own cost.
    const perByte = Math.max(WORK_PER_BYTE, spec.size ?? 0);
    this.budget = new WorkBudget(perByte, perByte * this.maxSpan, OVERDRAFT);
    this.overlap = new WorkBudget(OVERLAP_PER_BYTE, OVERLAP_PER_BYTE * this.maxSpan, 0);
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
      const next = this.trusting ? this.takeTrusted(buf, base, p, to, final, out) : this.takeConfirmed(buf, base, p, to, final, out);
      if (next === undefined) {
        this.skipTo(buf, base, p, out);
        return p;
      }
      pos = next;
    }
    this.skipTo(buf, base, pos, out);
    return pos;
  }

  /** With a CRC (or no way to tell frames apart): a passing candidate is a frame. Returns where to scan on, or undefined to wait. */
  private takeTrusted(buf: Buffer, base: number, p: number, to: number, final: boolean, out: ScanOutput): number | undefined {
    const verdict = this.evaluate(buf, base, p, to, final);
    switch (verdict.kind) {
      case 'more':
        out.need = verdict.bytes;
        return undefined;
      case 'reject':
        this.countRejection(verdict.reason, base + p, out);
        return p + 1;
      case 'frame':
        this.emit(buf, base, p, verdict.length, out);
        return p + verdict.length;
    }
  }

  /** Without a CRC: a candidate is judged by what follows it and what it holds (see the class comment). */
  private takeConfirmed(buf: Buffer, base: number, p: number, to: number, final: boolean, out: ScanOutput): number | undefined {
    const verdict = this.evaluate(buf, base, p, to, final);
    if (verdict.kind === 'more') {
      out.need = verdict.bytes;
      return undefined;
    }
    const start = base + p;
    if (verdict.kind === 'reject') {
      this.countRejection(verdict.reason, start, out);
      return p + 1;
    }
    const { length } = verdict;
    const end = p + length;
    // Seen before: emitted at once as a due frame, and waiting for what follows.
    const again = start === this.lastStart;
    const covered = start < (again ? this.coveredBeforeLast : this.coveredEnd);
    // A frame right where the previous one ended continues the chain: it is passed on at once, so a
    // clean stream waits for nothing; only what follows it decides where scanning goes on.
    if (again || start === this.lastEnd) this.emit(buf, base, p, length, out);
    const after = this.successor(buf, base, end, to, final);
    if (after.kind === 'more') {
      out.need = after.bytes === 0 ? 0 : length + after.bytes;
      return undefined;
    }
    if (after.kind === 'reject') {
      // The last frame before noise, or garbage spanning real frames: emitted, and its inside scanned
      // again. One that overlaps emitted frames is emitted only while the overlap budget lasts.
      if (!covered) this.emit(buf, base, p, length, out);
      else if (this.overlap.spend(start, length)) this.emit(buf, base, p, length, out);
      else out.unchecked++;
      return p + 1;
    }
    // Followed by a frame. Frames inside that end where it ends make it an impostor: always when there
    // are two or more, and for one when it overlaps an emitted frame; for one otherwise both are kept.
    const inside = this.searchesInside ? this.chainInside(buf, base, p, end, out) : 0;
    if (inside >= 2 || (inside === 1 && covered)) return p + 1;
    this.emit(buf, base, p, length, out);
    return inside === 1 ? p + 1 : end;
  }

  holdsEnd(data: Buffer): boolean {
    const { spec } = this;
    if (spec.length !== undefined || spec.size !== undefined) return true;
    // A searched frame ends at a marker, whose last byte must then be in the read.
    const marker = spec.end ?? spec.start;
    return data.indexOf(marker[marker.length - 1]) >= 0;
  }

  /** Whether a frame starts exactly at `at` (the end of a candidate); the end of the input also ends a frame. */
  private successor(buf: Buffer, base: number, at: number, to: number, final: boolean): Verdict {
    const start = this.spec.start;
    if (at + start.length > to) return final ? MISMATCH : more(start.length);
    if (!matchAt(buf, at, start)) return MISMATCH;
    const verdict = this.evaluate(buf, base, at, to, final);
    return verdict.kind === 'more' && final ? SHORT : verdict;
  }

  /**
   * Frames in the first chain that starts inside the candidate `[p, end)` and ends exactly at `end`,
   * 0 when there is none. Chains only move forward, so a position reached once and not ending a chain
   * is never followed again: each start byte inside is examined a bounded number of times.
   */
  private chainInside(buf: Buffer, base: number, p: number, end: number, out: ScanOutput): number {
    if (!this.budget.spend(base + p, 3 * (end - p))) {
      out.unchecked++;
      return 0;
    }
    const reached = this.reached;
    reached.clear();
    for (let q = this.findStart(buf, p + 1, end); q >= 0; q = this.findStart(buf, q + 1, end)) {
      if (reached.has(q)) continue;
      let at = q;
      for (let frames = 1; ; frames++) {
        const verdict = this.evaluate(buf, base, at, end, true);
        if (verdict.kind !== 'frame') break;
        const next = at + verdict.length;
        if (next === end) return frames;
        if (reached.has(next) || next + this.spec.start.length > end || !matchAt(buf, next, this.spec.start)) break;
        reached.add(next);
        at = next;
      }
    }
    return 0;
  }

  private emit(buf: Buffer, base: number, p: number, length: number, out: ScanOutput): void {
    if (base + p <= this.lastStart) return;
    this.skipTo(buf, base, p, out);
    this.coveredBeforeLast = this.coveredEnd;
    out.frame(p, length);
    this.lastStart = base + p;
    this.lastEnd = base + p + length;
    if (this.lastEnd > this.coveredEnd) this.coveredEnd = this.lastEnd;
  }

  /**
   * A CRC failure needs a plausible length and end marker first, so it is nearly always a real
   * damaged frame: always counted, like a check skipped for lack of budget. Other rejections count
   * only where a frame was due.
   */
  private countRejection(reason: Rejection, start: number, out: ScanOutput): void {
    if (reason === 'unchecked') out.unchecked++;
    else if (reason === 'crc' || (reason !== 'mismatch' && start === this.lastEnd)) out.reject(reason);
  }

  /** Marks the bytes before `pos` as accounted for, skipping those no frame covered. */
  private skipTo(buf: Buffer, base: number, pos: number, out: ScanOutput): void {
    const absolute = base + pos;
    if (absolute <= this.coveredEnd) return;
    out.skip(buf, Math.max(this.coveredEnd - base, 0), pos);
    this.coveredEnd = absolute;
  }

  /** Position of the next start marker in `buf[pos, to)`, or -1. */
  private findStart(buf: Buffer, pos: number, to: number): number {
    const start = this.spec.start;
    if (start.length === 0) return pos < to ? pos : -1;
    if (start.length === 1) {
      if (buf[pos] === start[0] && pos < to) return pos;
      const i = buf.indexOf(start[0], pos);
      return i >= 0 && i < to ? i : -1;
    }
    const i = buf.indexOf(start, pos);
    return i >= 0 && i + start.length <= to ? i : -1;
  }

  /** The candidate at `p`, with `buf[0]` at absolute position `base`. */
  private evaluate(buf: Buffer, base: number, p: number, to: number, final: boolean): Verdict {
    const { spec } = this;
    let length: number;
    if (spec.size !== undefined) {
      length = spec.size;
    } else if (spec.length !== undefined) {
      const at = p + spec.length.offset;
      if (at + spec.length.size > to) return final ? SHORT : more(spec.length.offset + spec.length.size);
      length = spec.length.read(buf, at) + spec.length.adjust;
      if (length > spec.maxLength) return OVERSIZE;
      if (length < spec.minLength) return SHORT;
    } else {
      return this.searchEnd(buf, base, p, to, final);
    }
    if (p + length > to) return final ? SHORT : more(length);
    if (spec.end !== undefined && !matchAt(buf, p + length - spec.end.length, spec.end)) return MISMATCH;
    if (spec.check !== undefined) {
      if (!this.budget.spend(base + p, length)) return UNCHECKED;
      const verdict = spec.check(buf, p, length);
      if (verdict !== CRC_OK) return verdict === CRC_BAD ? BAD_CRC : SHORT;
    }
    return { kind: 'frame', length };
  }

  /**
   * Frames without a length field end at the end marker, or just before the next start marker.
   * With a CRC, a failing candidate is extended to the next marker (the payload may hold one).
   */
  private searchEnd(buf: Buffer, base: number, p: number, to: number, final: boolean): Verdict {
    const { spec } = this;
    const marker = spec.end ?? spec.start;
    const included = spec.end !== undefined ? marker.length : 0;
    let failed = false;
    let from = p + spec.start.length;
    for (;;) {
      const e = this.markers.find(buf, base, marker, from, to);
      const length = e < 0 ? to - p : e + included - p;
      if (length > spec.maxLength) return failed ? BAD_CRC : OVERSIZE;
      if (e < 0) {
        if (!final) return MORE_UNKNOWN;
        // The last frame of a start-marked stream ends with the input.
        if (spec.end !== undefined || length <= spec.start.length) return SHORT;
      }
      if (length < spec.minLength) {
        if (e < 0) return SHORT;
        from = e + 1;
        continue;
      }
      if (spec.check === undefined) return { kind: 'frame', length };
      if (!this.budget.spend(base + p, length)) return UNCHECKED;
      const verdict = spec.check(buf, p, length);
      if (verdict === CRC_OK) return { kind: 'frame', length };
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
