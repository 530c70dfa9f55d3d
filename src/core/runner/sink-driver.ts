import { type Batch, byteSize, itemCount } from '../batch.js';
import type { RecordedQuery, SinkInstance, WhenFull } from '../component.js';
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
  /** Position in the order batches were pushed, so a barrier knows which batches it waits for. */
  readonly seq: number;
  readonly batch: Batch;
  /** The sink input it arrived on. */
  readonly input: string | undefined;
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
 *
 * `barrier()` is the durability path: it resolves once every batch pushed before it was written (or
 * dropped and counted, on a lossy sink) and the sink's `sync` made the writes durable. Syncs run
 * between writes, so the sink never syncs and writes at once; barriers that wait at the same time
 * share one sync, and no sync runs when nothing was written since the last one.
 */
export class SinkDriver {
  private readonly queue: Entry[] = [];
  private queuedBytes = 0;
  private holding = false;
  private pumping = false;
  private ended = false;
  private closed = false;
  private failed = false;
  private failure: Error | undefined;
  private aborted = false;
  /** Seq of the last batch pushed. */
  private pushed = 0;
  private writtenSinceSync = false;
  private barriers: { readonly target: number; readonly resolve: () => void; readonly reject: (error: Error) => void }[] = [];
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

  /**
   * Resolves when every batch pushed so far is written (or dropped and counted, for lossy policies)
   * and the sink's `sync` resolved; rejects if the sink failed or the driver was aborted before.
   */
  barrier(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.aborted) return Promise.reject(abortedError());
    if (this.closed && !this.pumping) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.barriers.push({ target: this.pushed, resolve, reject });
      this.kick();
    });
  }

  /**
   * What the sink holds from earlier runs for a resuming source: its answer, an empty map for a
   * durable sink that cannot tell (so nothing is skipped), undefined for a sink that keeps nothing.
   */
  async recorded(query: RecordedQuery): Promise<ReadonlyMap<number, number> | undefined> {
    if (this.sink.recorded) return this.sink.recorded(query);
    return this.sink.sync ? new Map() : undefined;
  }

  /** Queues a batch; `input` is the name in the sink's `inputs` it arrived on, passed on to `write`. */
  push(batch: Batch, input?: string): void {
    if (this.ended || this.failed) return;
    const seq = ++this.pushed;
    if (this.isFull()) {
      const policy = this.options.whenFull;
      if (policy === 'drop_newest') return this.countDrop(itemCount(batch));
      if (policy === 'drop_oldest') this.countDrop(this.take(0).items);
      if (policy === 'sample') this.countDrop(this.take(this.queue.length - 1).items);
    }
    const entry = { seq, batch, input, items: itemCount(batch), bytes: byteSize(batch) };
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
    // Queued batches are discarded, not written: nobody may take them for durable.
    this.aborted = true;
    this.rejectBarriers(abortedError());
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
        if (this.barriers.length > 0) await this.syncForBarriers();
        const entry = this.queue.length > 0 ? this.take(0) : undefined;
        if (entry === undefined) {
          if (this.ended && !this.closed) {
            this.closed = true;
            this.releaseHold();
            await this.sink.close({ aborted: this.aborted });
            this.finish();
            // Closed: whatever was written is in closed files.
            this.settleBarriers(this.barriers.length);
          }
          break;
        }
        this.updateGauges();
        if (this.holding && this.isBelowLowWater()) this.releaseHold();
        try {
          await this.sink.write(entry.batch, entry.input);
        } catch (error) {
          if (this.options.whenFull === 'block') throw error;
          this.metrics.error('write_failed');
          this.countDrop(entry.items);
          this.options.onLossyWriteError?.(error);
          continue;
        }
        this.writtenSinceSync = true;
        this.metrics.countIn(entry.items, entry.bytes);
      }
    } catch (error) {
      this.failed = true;
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.rejectBarriers(this.failure);
      this.queue.length = 0;
      this.queuedBytes = 0;
      this.updateGauges();
      this.releaseHold();
      this.fail(error);
    } finally {
      this.pumping = false;
    }
  }

  /** Syncs the sink for the barriers whose batches have all left the queue, and resolves them. */
  private async syncForBarriers(): Promise<void> {
    while (this.barriers.length > 0) {
      // Batches leave the queue in order (drops remove some early): all below the first queued one are done.
      const settled = this.queue.length > 0 ? this.queue[0].seq - 1 : this.pushed;
      const due = this.barriers.filter((b) => b.target <= settled).length;
      // Barriers are added in push order, so the due ones are a prefix.
      if (due === 0) return;
      if (this.writtenSinceSync && this.sink.sync) {
        this.writtenSinceSync = false;
        try {
          await this.sink.sync();
        } catch (error) {
          if (this.options.whenFull === 'block') throw error;
          // A lossy sink promises no durability: the failure is counted and the barrier passes.
          this.metrics.error('sync_failed');
          this.options.onLossyWriteError?.(error);
        }
      }
      this.settleBarriers(due);
    }
  }

  private settleBarriers(count: number): void {
    for (const b of this.barriers.splice(0, count)) b.resolve();
  }

  private rejectBarriers(error: Error): void {
    for (const b of this.barriers.splice(0)) b.reject(error);
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

function abortedError(): Error {
  return new Error('the pipeline stopped before every batch was written');
}
