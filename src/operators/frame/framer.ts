import type { BytesBatch, FramesBatch } from '../../core/batch.js';
import type { ComponentMetrics } from '../../core/metrics.js';
import { ScanOutput, type Scanner } from './output.js';

/**
 * Drives a scanner over a stream of reads. Frames inside one read are views of that read's buffer.
 * A frame split across reads is completed by joining the kept tail with just enough of the next read
 * (what the scanner asks for, at most one span), so only split frames are copied; the rest of the
 * read is scanned in place.
 */
export class Framer {
  private carry: Buffer | undefined;
  /** Absolute stream position of carry[0], or of the next read when there is no carry. */
  private carryBase = 0;
  private readonly out: ScanOutput;

  constructor(
    private readonly scanner: Scanner,
    private readonly metrics: ComponentMetrics,
    out: ScanOutput,
  ) {
    this.out = out;
  }

  /** Scans one read; returns the frame batches it completed. */
  push(batch: BytesBatch): FramesBatch[] {
    const data = batch.data;
    const emitted: FramesBatch[] = [];
    // Absolute stream position of data[0]: frames that start before it are the split ones.
    const readBase = this.carryBase + (this.carry?.length ?? 0);
    let from = 0;
    // Complete the frames split across reads: join the kept tail with as much of this read as the
    // scanner says it needs (or one frame span), and repeat while it still needs more.
    while (this.carry !== undefined && from < data.length) {
      const carry = this.carry;
      const limit = readBase - this.carryBase;
      const wanted =
        this.scanner.joinWindow?.(data, from) ?? (this.out.need > carry.length ? this.out.need - carry.length : this.scanner.maxSpan);
      const window = Math.min(data.length - from, wanted);
      // Small joins come from Node's buffer pool; frames keep pointing at them, and pool slices are never reused.
      const joined = Buffer.allocUnsafe(carry.length + window);
      carry.copy(joined, 0);
      data.copy(joined, carry.length, from, from + window);
      const keep = this.pass(joined, this.carryBase, 0, limit, batch, emitted);
      this.carryBase += keep;
      if (keep < limit) {
        this.carry = joined.subarray(keep);
        from += window;
        continue;
      }
      from = this.carryBase - readBase;
      this.carry = undefined;
    }
    if (this.carry === undefined && from < data.length) {
      const keep = this.pass(data, readBase, from, data.length, batch, emitted);
      // The read is immutable, so the kept tail can stay a view until the next read joins it.
      this.carry = keep < data.length ? data.subarray(keep) : undefined;
      this.carryBase = readBase + keep;
    }
    return emitted;
  }

  /** The input ended: settles the kept tail. */
  finish(source: string, hostTimeNs: number): FramesBatch | undefined {
    if (this.carry === undefined) return undefined;
    const carry = this.carry;
    this.carry = undefined;
    const out = this.begin(carry, hostTimeNs);
    this.scanner.finish(carry, this.carryBase, 0, carry.length, out);
    this.carryBase += carry.length;
    this.count(carry.length);
    return out.toBatch(source);
  }

  private begin(buf: Buffer, hostTimeNs: number): ScanOutput {
    const out = this.out;
    out.begin(buf, hostTimeNs);
    if (this.scanner.unescapes) {
      out.target = Buffer.allocUnsafe(buf.length);
      out.buffer = out.target;
    }
    return out;
  }

  private pass(buf: Buffer, base: number, from: number, limit: number, batch: BytesBatch, emitted: FramesBatch[]): number {
    const out = this.begin(buf, batch.hostTimeNs);
    const keep = this.scanner.scan(buf, base, from, buf.length, limit, out);
    this.count(keep - from);
    const frames = out.toBatch(batch.source);
    if (frames) emitted.push(frames);
    return keep;
  }

  /** Counts the pass: bytes consumed are either framed (frames and their delimiters) or skipped. */
  private count(consumed: number): void {
    const { out, metrics } = this;
    if (out.skipped) metrics.error('resync_bytes', out.skipped);
    if (consumed - out.skipped) metrics.count('framed_bytes', consumed - out.skipped);
    const r = out.rejects;
    if (r.oversize) metrics.error('oversize', r.oversize);
    if (r.crc) metrics.error('crc', r.crc);
    if (r.short) metrics.error('short', r.short);
    if (r.decode) metrics.error('decode', r.decode);
  }
}
