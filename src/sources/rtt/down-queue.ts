import type { ComponentMetrics } from '../../core/metrics.js';

/**
 * Bytes waiting for room in the target's down buffer (on_connect commands, relay write-through).
 * Bounded: bytes beyond `limit` are dropped and counted as `write_dropped_bytes`.
 */
export class DownQueue {
  private chunks: Buffer[] = [];
  private queued = 0;

  constructor(
    private readonly limit: number,
    private readonly metrics: ComponentMetrics,
  ) {}

  get size(): number {
    return this.queued;
  }

  push(data: Buffer): boolean {
    if (this.queued + data.length > this.limit) {
      this.metrics.error('write_dropped_bytes', data.length);
      return false;
    }
    this.chunks.push(Buffer.from(data));
    this.queued += data.length;
    return true;
  }

  /** Removes and returns up to `max` bytes from the front. */
  take(max: number): Buffer {
    if (max <= 0 || this.queued === 0) return Buffer.alloc(0);
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const out = all.subarray(0, Math.min(max, all.length));
    const rest = all.subarray(out.length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.queued = rest.length;
    return out;
  }
}
