import { type Batch, byteSize, itemCount } from '../batch.js';
import type { SinkInstance, WhenFull } from '../component.js';
import type { FlowSignal } from '../flow.js';
import type { ComponentMetrics } from '../metrics.js';

export interface SinkDriverOptions {
  readonly whenFull: WhenFull;
  readonly maxBatches: number;
  readonly maxBytes: number;
  /** Sources upstream of this sink, paused while a `block` buffer is above its high-water mark. */
  readonly upstream: readonly FlowSignal[];
  /** Told about a write that failed on a lossy sink, which counts it and goes on. */
  readonly onLossyWriteError?: (error: unknown) => void;
}

/** A queued batch with its size, measured once when it arrives. */
interface Entry {
  readonly batch: Batch;
  readonly items: number;
  readonly bytes: number;
}

/**
 * The bounded buffer in front of one sink. RxJS pushes synchronously, so the buffer takes every batch
 * and applies the sink's `when_full` policy:
 * - `block`: keeps everything and pauses the upstream sources at the high-water mark (the limits),
 *   resuming them below the low-water mark (half the limits); sources pause their OS handles, so the
 *   overshoot is at most the batches already in flight.
 * - `drop_newest` / `drop_oldest` / `sample`: never waits; drops are counted in batches and items.
 *   `sample` replaces the newest queued batch, so a slow viewer always gets the freshest data.
 * Writes are sequential: the next batch is written only after the previous write resolved. A write
 * that fails stops a `block` sink (and so the pipeline: it must not lose data); a lossy sink counts
 * the batch as dropped with reason `write_failed` and goes on with the next one.
 */
export class SinkDriver {
  private readonly queue: Entry[] = [];
  private queuedBytes = 0;
  private holding = false;
  private pumping = false;
  private ended = false;
  private closed = false;
  private failed = false;
  private readonly done: Promise<void>;
  private finish!: () => void;
  private fail!: (error: unknown) => void;
  /** Items dropped by the policy; with the items written this accounts for every item pushed. */
  droppedItems = 0;

  constructor(
    private readonly sink: SinkInstance,
    private readonly metrics: ComponentMetrics,
    private readonly options: SinkDriverOptions,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.finish = resolve;
      this.fail = reject;
    });
    // The runner awaits completion; this keeps an early failure from being reported as unhandled.
    this.done.catch(() => undefined);
  }

  /** Resolves after the last batch is written and the sink closed; rejects if a write or close failed. */
  get completion(): Promise<void> {
    return this.done;
  }

  push(batch: Batch): void {
    if (this.ended || this.failed) return;
    if (this.isFull()) {
      const policy = this.options.whenFull;
      if (policy === 'drop_newest') return this.countDrop(itemCount(batch));
      if (policy === 'drop_oldest') this.countDrop(this.take(0).items);
      if (policy === 'sample') this.countDrop(this.take(this.queue.length - 1).items);
    }
    const entry = { batch, items: itemCount(batch), bytes: byteSize(batch) };
    this.queue.push(entry);
    this.queuedBytes += entry.bytes;
    this.updateGauges();
    if (this.options.whenFull === 'block' && !this.holding && this.isFull()) {
      this.holding = true;
      for (const flow of this.options.upstream) flow.hold();
    }
    this.kick();
  }

  /** No more batches will come: write what is queued, then close the sink. */
  end(): void {
    this.ended = true;
    this.kick();
  }

  /** Stops without draining (another component failed); the sink is still closed so files stay valid. */
  abort(): void {
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.updateGauges();
    this.end();
  }

  private kick(): void {
    if (this.pumping || this.failed) return;
    this.pumping = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const entry = this.queue.length > 0 ? this.take(0) : undefined;
        if (entry === undefined) {
          if (this.ended && !this.closed) {
            this.closed = true;
            this.releaseHold();
            await this.sink.close();
            this.finish();
          }
          break;
        }
        this.updateGauges();
        if (this.holding && this.isBelowLowWater()) this.releaseHold();
        try {
          await this.sink.write(entry.batch);
        } catch (error) {
          if (this.options.whenFull === 'block') throw error;
          this.metrics.error('write_failed');
          this.countDrop(entry.items);
          this.options.onLossyWriteError?.(error);
          continue;
        }
        this.metrics.countIn(entry.items, entry.bytes);
      }
    } catch (error) {
      this.failed = true;
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.updateGauges();
      this.releaseHold();
      this.fail(error);
    } finally {
      this.pumping = false;
    }
  }

  private isFull(): boolean {
    return this.queue.length >= this.options.maxBatches || this.queuedBytes >= this.options.maxBytes;
  }

  private isBelowLowWater(): boolean {
    return this.queue.length <= this.options.maxBatches / 2 && this.queuedBytes <= this.options.maxBytes / 2;
  }

  private take(index: number): Entry {
    const entry = index === 0 ? this.queue.shift()! : this.queue.splice(index, 1)[0];
    this.queuedBytes -= entry.bytes;
    return entry;
  }

  private countDrop(items: number): void {
    this.metrics.drop(1);
    this.droppedItems += items;
    this.metrics.count('dropped_items', items);
    this.updateGauges();
  }

  private updateGauges(): void {
    this.metrics.queueDepth = this.queue.length;
    this.metrics.queueBytes = this.queuedBytes;
  }

  private releaseHold(): void {
    if (!this.holding) return;
    this.holding = false;
    for (const flow of this.options.upstream) flow.release();
  }
}
