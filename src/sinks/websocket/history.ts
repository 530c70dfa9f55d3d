import { type RecordsBatch, byteSize } from '../../core/batch.js';

/** One batch as the feed saw it: its stream, its sequence number in that stream, when it arrived. */
export interface FeedEntry {
  readonly stream: string;
  /** Identifies the schema the batch had, so a replay skips batches from before a schema change. */
  readonly schemaKey: string;
  readonly seq: number;
  readonly batch: RecordsBatch;
  readonly atMs: number;
  readonly bytes: number;
}

/**
 * The last `windowMs` of batches, replayed to a client when it connects so its plots start full.
 * Batches are immutable, so keeping references costs no copies; the byte cap keeps memory bounded
 * even when a fast feed would fill the time window with far more data than a viewer needs.
 */
export class History {
  private entries: FeedEntry[] = [];
  private head = 0;
  private totalBytes = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxBytes: number,
  ) {}

  add(stream: string, schemaKey: string, seq: number, batch: RecordsBatch, atMs: number): void {
    if (this.windowMs <= 0) return;
    const bytes = byteSize(batch);
    this.entries.push({ stream, schemaKey, seq, batch, atMs, bytes });
    this.totalBytes += bytes;
    this.evict(atMs);
  }

  /** Entries still inside the window, oldest first. */
  snapshot(nowMs: number): FeedEntry[] {
    this.evict(nowMs);
    return this.entries.slice(this.head);
  }

  get bytes(): number {
    return this.totalBytes;
  }

  private evict(nowMs: number): void {
    const oldest = nowMs - this.windowMs;
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head];
      if (entry.atMs >= oldest && this.totalBytes <= this.maxBytes) break;
      this.totalBytes -= entry.bytes;
      this.head++;
    }
    // Compact now and then instead of shifting on every eviction.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
