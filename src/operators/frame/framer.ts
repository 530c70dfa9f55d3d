import type { BytesBatch, FramesBatch } from '../../core/batch.js';
import type { ComponentMetrics } from '../../core/metrics.js';
import { ScanOutput, type Scanner } from './output.js';

/**
 * Drives a scanner over a stream of reads. Frames inside one read are views of that read's buffer.
 * A frame split across reads is completed by joining the kept tail with just enough of the next read
 * (what the scanner asks for, at least the tail's own length), so only split frames are copied; the
 * rest of the read is scanned in place. Reads that cannot complete the kept frame (too few bytes, or
 * no delimiter) are only added to a list and joined once when one can: buffering stays linear in the
 * input even when frames may be megabytes long.
 */
export class Framer {
  /** Bytes kept for the next read (the start of a frame not complete yet), oldest first. */
  private kept: Buffer[] = [];
  private keptLength = 0;
  /** Absolute stream position of the first kept byte, or of the next read when nothing is kept. */
  private carryBase = 0;
  /** Bytes from the first kept byte that the scanner said it needs (0 = unknown). */
  private need = 0;
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
    const readBase = this.carryBase + this.keptLength;
    let from = 0;
    // Complete the frames split across reads: join the kept tail with as much of this read as the
    // scanner says it needs (or one frame span), and repeat while it still needs more; a second
    // round takes the whole rest of the read, so a tail is never joined again for a few bytes.
    let rounds = 0;
    while (this.keptLength > 0 && from < data.length) {
      const rest = from === 0 ? data : data.subarray(from);
      if (this.waitsFor(rest)) {
        this.kept.push(rest);
        this.keptLength += rest.length;
        return emitted;
      }
      const carry = this.takeKept();
      const limit = readBase - this.carryBase;
      const wanted = this.scanner.joinWindow?.(data, from) ?? (this.need > carry.length ? this.need - carry.length : this.scanner.maxSpan);
      const window = rounds++ === 0 ? Math.min(data.length - from, Math.max(wanted, carry.length)) : data.length - from;
      // Small joins come from Node's buffer pool; frames keep pointing at them, and pool slices are never reused.
      const joined = Buffer.allocUnsafe(carry.length + window);
      carry.copy(joined, 0);
      data.copy(joined, carry.length, from, from + window);
      const keep = this.pass(joined, this.carryBase, 0, limit, batch, emitted);
      this.carryBase += keep;
      if (keep < limit) {
        this.keepOnly(joined.subarray(keep));
        from += window;
        continue;
      }
      from = this.carryBase - readBase;
    }
    if (this.keptLength === 0 && from < data.length) {
      const keep = this.pass(data, readBase, from, data.length, batch, emitted);
      // The read is immutable, so the kept tail can stay a view until the next read joins it.
      if (keep < data.length) this.keepOnly(data.subarray(keep));
      this.carryBase = readBase + keep;
    }
    return emitted;
  }

  /** The input ended: settles the kept tail. */
  finish(source: string, hostTimeNs: number): FramesBatch | undefined {
    if (this.keptLength === 0) return undefined;
    const carry = this.takeKept();
    const out = this.begin(carry, hostTimeNs);
    this.scanner.finish(carry, this.carryBase, 0, carry.length, out);
    this.carryBase += carry.length;
    this.count(carry.length);
    return out.toBatch(source);
  }

  /** Whether `data` cannot complete what the kept bytes wait for, so it is only added to them. */
  private waitsFor(data: Buffer): boolean {
    const total = this.keptLength + data.length;
    // Past one span the scanner must settle the kept bytes (as oversize) whatever comes next.
    if (total > this.scanner.maxSpan) return false;
    if (this.need > 0) return total < this.need;
    return this.scanner.holdsEnd !== undefined && !this.scanner.holdsEnd(data);
  }

  /** The kept bytes as one buffer (joined once here when several reads were added), which are no longer kept. */
  private takeKept(): Buffer {
    const carry = this.kept.length === 1 ? this.kept[0] : Buffer.concat(this.kept, this.keptLength);
    this.kept = [];
    this.keptLength = 0;
    return carry;
  }

  private keepOnly(tail: Buffer): void {
    this.kept = [tail];
    this.keptLength = tail.length;
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
    this.need = out.need;
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
    if (r.encoding) metrics.error('encoding', r.encoding);
    if (out.unchecked) metrics.error('unchecked', out.unchecked);
  }
}
