import { Observable, type OperatorFunction } from 'rxjs';
import { framesBatch, type Batch, type BatchKind, type FramesBatch } from '../core/batch.js';

/** What a batch operator does with each input batch and at the end of its input. */
export interface BatchHandlers<K extends Batch> {
  /** Handles one input batch; `emit` sends a batch downstream. */
  next(batch: K, emit: (batch: Batch) => void): void;
  /** Flushes partial state when the input completes. */
  complete?(emit: (batch: Batch) => void): void;
}

/**
 * Wraps per-batch handlers as an RxJS operator: checks the input kind, turns exceptions into stream
 * errors naming the operator, and calls `complete` before completing downstream.
 */
export function batchOperator<K extends Batch>(name: string, kind: K['kind'] & BatchKind, handlers: BatchHandlers<K>): OperatorFunction<Batch, Batch> {
  return (source) =>
    new Observable<Batch>((subscriber) => {
      const emit = (batch: Batch) => subscriber.next(batch);
      return source.subscribe({
        next(batch) {
          try {
            if (batch.kind !== kind) throw new Error(`expects ${kind} batches, got ${batch.kind}`);
            handlers.next(batch as K, emit);
          } catch (error) {
            subscriber.error(new Error(`${name}: ${(error as Error).message}`, { cause: error }));
          }
        },
        error: (error) => subscriber.error(error),
        complete() {
          try {
            handlers.complete?.(emit);
            subscriber.complete();
          } catch (error) {
            subscriber.error(new Error(`${name}: ${(error as Error).message}`, { cause: error }));
          }
        },
      });
    });
}

/** A frames batch holding the frames `indices[0, n)` of `batch` (views into the same buffer). */
export function selectFrames(batch: FramesBatch, indices: Uint32Array, n: number): FramesBatch {
  const offsets = new Uint32Array(n);
  const lengths = new Uint32Array(n);
  const times = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const i = indices[j];
    offsets[j] = batch.offsets[i];
    lengths[j] = batch.lengths[i];
    times[j] = batch.hostTimeNs[i];
  }
  return framesBatch(batch.source, batch.buffer, offsets, lengths, times);
}
