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
}

/**
 * The bounded buffer in front of one sink. RxJS pushes synchronously, so the buffer takes every batch
 * and applies the sink's `when_full` policy:
 * - `block`: keeps everything and pauses the upstream sources at the high-water mark (the limits),
 *   resuming them below the low-water mark (half the limits); sources pause their OS handles, so the
 *   overshoot is at most the batches already in flight.
 * - `drop_newest` / `drop_oldest` / `sample`: never waits; drops are counted in batches and items.
 *   `sample` replaces the newest queued batch, so a slow viewer always gets the freshest data.
 * Writes are sequential: the next batch is written only after the previous write resolved.
 */
export class SinkDriver {
  private readonly queue: Batch[] = [];
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
      if (policy === 'drop_newest') return this.countDrop(batch);
      if (policy === 'drop_oldest') this.countDrop(this.take(0));
      if (policy === 'sample') this.countDrop(this.take(this.queue.length - 1));
    }
    this.queue.push(batch);
    this.queuedBytes += byteSize(batch);
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
        const batch = this.queue.length > 0 ? this.take(0) : undefined;
        if (batch === undefined) {
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
        await this.sink.write(batch);
        this.metrics.recordIn(batch);
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

  private take(index: number): Batch {
    const [batch] = this.queue.splice(index, 1);
    this.queuedBytes -= byteSize(batch);
    return batch;
  }

  private countDrop(batch: Batch): void {
    this.metrics.drop(1);
    const items = itemCount(batch);
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
