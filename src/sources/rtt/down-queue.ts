import { EventEmitter } from 'node:events';
import type { SessionTarget } from '../../core/device-writers.js';
import type { ComponentMetrics } from '../../core/metrics.js';

/**
 * Bytes waiting for room in the target's down buffer (on_connect commands, relay write-through).
 * Bounded: bytes beyond `limit` are dropped and counted as `write_dropped_bytes`.
 */
export class DownQueue implements SessionTarget {
  private chunks: Buffer[] = [];
  private queued = 0;
  private needDrain = false;
  private readonly events = new EventEmitter();

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
    // Past half the limit a relay should pause its clients until the target has taken the bytes.
    if (this.queued > this.limit / 2) this.needDrain = true;
    return true;
  }

  /** SessionTarget: what a relay's write-through sees of the down channel. */
  write(data: Buffer): boolean {
    return this.push(data);
  }

  get writableLength(): number {
    return this.queued;
  }

  get writableNeedDrain(): boolean {
    return this.needDrain;
  }

  once(event: 'drain' | 'close', listener: () => void): this {
    this.events.once(event, listener);
    return this;
  }

  off(event: 'drain' | 'close', listener: () => void): this {
    this.events.off(event, listener);
    return this;
  }

  /** The connection to the target is gone: nothing queued will be written by this session. */
  closed(): void {
    this.events.emit('close');
  }

  /** Removes and returns up to `max` bytes from the front. */
  take(max: number): Buffer {
    if (max <= 0 || this.queued === 0) return Buffer.alloc(0);
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const out = all.subarray(0, Math.min(max, all.length));
    const rest = all.subarray(out.length);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.queued = rest.length;
    if (this.needDrain && this.queued === 0) {
      this.needDrain = false;
      this.events.emit('drain');
    }
    return out;
  }
}
