import { bytesBatch, type BytesBatch } from '../../src/core/batch.js';
import { ComponentMetrics } from '../../src/core/metrics.js';
import { standaloneContext } from '../../src/core/standalone.js';
import { DeadLetters } from '../../src/operators/dead-letters.js';
import { Framer } from '../../src/operators/frame/framer.js';
import { ScanOutput, type Scanner } from '../../src/operators/frame/output.js';

/** Wraps a frame scanner to count the bytes each scan is handed and the largest buffer it sees. */
export class CountingScanner implements Scanner {
  scanned = 0;
  largestBuffer = 0;
  readonly joinWindow?: (data: Buffer, from: number) => number;

  constructor(private readonly inner: Scanner) {
    if (inner.joinWindow) this.joinWindow = (data, from) => inner.joinWindow!(data, from);
  }

  get maxSpan() {
    return this.inner.maxSpan;
  }

  get unescapes() {
    return this.inner.unescapes;
  }

  scan(buf: Buffer, base: number, from: number, to: number, limit: number, out: ScanOutput): number {
    this.seen(buf, from, to);
    return this.inner.scan(buf, base, from, to, limit, out);
  }

  holdsEnd(data: Buffer): boolean {
    return this.inner.holdsEnd?.(data) ?? true;
  }

  finish(buf: Buffer, base: number, from: number, to: number, out: ScanOutput): void {
    this.seen(buf, from, to);
    this.inner.finish(buf, base, from, to, out);
  }

  private seen(buf: Buffer, from: number, to: number): void {
    this.scanned += to - from;
    this.largestBuffer = Math.max(this.largestBuffer, buf.length);
  }
}

/** Runs reads through a framer built on `scanner`; returns the frames (views) and the frame metrics. */
export function frameReads(scanner: Scanner, reads: readonly BytesBatch[]): { frames: Buffer[]; metrics: ComponentMetrics } {
  const metrics = new ComponentMetrics('frame', 'operator', 'frame');
  const framer = new Framer(scanner, metrics, new ScanOutput(new DeadLetters(standaloneContext(), undefined)));
  const frames: Buffer[] = [];
  const collect = (batch: { buffer: Buffer; offsets: Uint32Array; lengths: Uint32Array; count: number } | undefined) => {
    for (let i = 0; batch && i < batch.count; i++) frames.push(batch.buffer.subarray(batch.offsets[i], batch.offsets[i] + batch.lengths[i]));
  };
  for (const read of reads) for (const batch of framer.push(read)) collect(batch);
  collect(framer.finish('dev', 0));
  return { frames, metrics };
}

/** Cuts `data` into reads of `size` bytes. */
export function readsOf(data: Buffer, size: number): BytesBatch[] {
  const reads: BytesBatch[] = [];
  for (let at = 0; at < data.length; at += size) reads.push(bytesBatch('dev', data.subarray(at, at + size), reads.length));
  return reads;
}

/** framed_bytes + resync_bytes: every byte in must be one or the other. */
export function accountedBytes(metrics: ComponentMetrics): number {
  return (metrics.counters.get('framed_bytes') ?? 0) + (metrics.errors.get('resync_bytes') ?? 0);
}

/** How many of `sent` appear, in order, among `delivered` (extra delivered frames are allowed). */
export function recoveredInOrder(sent: readonly string[], delivered: readonly string[]): number {
  let found = 0;
  let at = 0;
  for (const hex of sent) {
    const i = delivered.indexOf(hex, at);
    if (i < 0) continue;
    found++;
    at = i + 1;
  }
  return found;
}
