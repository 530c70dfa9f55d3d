import { framesBatch, type FramesBatch } from '../../core/batch.js';
import type { DeadLetters, RejectReason } from '../dead-letters.js';

/** Candidate-level rejections a scanner reports (bytes they held are counted as resync bytes). */
export type CandidateReject = Exclude<RejectReason, 'resync_bytes' | 'decode'>;

/**
 * Where a scanner reports what it finds in one pass over one buffer: frames (as offset and length
 * into `buffer`), rejected candidates and skipped byte runs. Arrays are reused between passes, so a
 * pass allocates only the arrays of the batch it emits.
 */
export class ScanOutput {
  /** The buffer frames refer to: the scanned buffer, or `target` for formats that unescape. */
  buffer: Buffer = Buffer.alloc(0);
  /** Where unescaping formats write frames; allocated by the driver for the pass. */
  target: Buffer = Buffer.alloc(0);
  written = 0;
  /** Set by a scanner that stopped for more input: bytes from the returned position it needs (0 = unknown). */
  need = 0;
  count = 0;
  skipped = 0;
  /** Candidates not fully checked because the scan's work budget was spent (crafted input). */
  unchecked = 0;
  readonly rejects: Record<CandidateReject, number> = { oversize: 0, crc: 0, short: 0, encoding: 0 };
  private offsets = new Uint32Array(256);
  private lengths = new Uint32Array(256);
  /** Reason given to the next skipped run in dead letters: the last candidate rejection, if any. */
  private reason: RejectReason = 'resync_bytes';
  private hostTimeNs = 0;

  constructor(private readonly dead: DeadLetters) {}

  /** Starts a pass whose frames refer to `buffer` and happened at `hostTimeNs`. */
  begin(buffer: Buffer, hostTimeNs: number): void {
    this.buffer = buffer;
    this.hostTimeNs = hostTimeNs;
    this.count = 0;
    this.written = 0;
    this.need = 0;
    this.skipped = 0;
    this.unchecked = 0;
    this.rejects.oversize = this.rejects.crc = this.rejects.short = this.rejects.encoding = 0;
  }

  frame(offset: number, length: number): void {
    if (this.count === this.offsets.length) {
      const offsets = new Uint32Array(this.count * 2);
      const lengths = new Uint32Array(this.count * 2);
      offsets.set(this.offsets);
      lengths.set(this.lengths);
      this.offsets = offsets;
      this.lengths = lengths;
    }
    this.offsets[this.count] = offset;
    this.lengths[this.count] = length;
    this.count++;
  }

  reject(reason: CandidateReject): void {
    this.rejects[reason]++;
    this.reason = reason;
  }

  /** Bytes `buf[from, to)` belong to no frame. */
  skip(buf: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.skipped += to - from;
    this.dead.add(this.reason, buf, from, to, this.hostTimeNs);
    this.reason = 'resync_bytes';
  }

  /** The frames found in this pass as a batch, or undefined when there were none. */
  toBatch(source: string): FramesBatch | undefined {
    if (this.count === 0) return undefined;
    const times = new Float64Array(this.count).fill(this.hostTimeNs);
    return framesBatch(source, this.buffer, this.offsets.slice(0, this.count), this.lengths.slice(0, this.count), times);
  }
}

/** A frame format's scanner; it keeps its own state (sync, discarding) between calls. */
export interface Scanner {
  /** Most input bytes one frame can span: bounds the bytes kept between reads. */
  readonly maxSpan: number;
  /** True when frames are unescaped into `out.target` instead of being views of the input. */
  readonly unescapes: boolean;
  /**
   * Scans `buf[from, to)` (buf[0] sits at absolute stream position `base`); frames must start
   * before `limit`. Returns the position from which bytes must be kept for the next call.
   */
  scan(buf: Buffer, base: number, from: number, to: number, limit: number, out: ScanOutput): number;
  /**
   * Optional: how many bytes of the next read, from `from`, complete the kept tail (a delimiter
   * format knows: up to the next delimiter). Without it the framer uses `out.need` or one span.
   */
  joinWindow?(data: Buffer, from: number): number;
  /**
   * Optional: whether a read may hold the end of a frame the scanner stopped in without knowing its
   * length (the delimiter or end marker it searches for). A read that cannot is kept without a scan.
   */
  holdsEnd?(data: Buffer): boolean;
  /** The input ended: settles `buf[from, to)`, rejecting or emitting what is left. */
  finish(buf: Buffer, base: number, from: number, to: number, out: ScanOutput): void;
}
