import type { OperatorFunction } from 'rxjs';
import { rx } from '../core/rx.js';
import type { Batch, BatchKind } from '../core/batch.js';
import type { ComponentMetrics } from '../core/metrics.js';

/** Sends one batch downstream. */
export type Emit = (batch: Batch) => void;

/**
 * What an operator does, written once per operator and run by `operate`:
 * - `input`: the batch kind it takes; any other kind fails the stream.
 * - `state`: creates the state of one stream, on the first batch of that stream.
 * - `streamKey`: which stream a batch belongs to. Without it every batch shares one state; with it
 *   each stream keeps its own (two devices merged into one transform do not mix counters or bytes).
 * - `next`: handles one batch of a stream, with that stream's state.
 * - `flush`: emits a stream's partial state (open bucket, window, carried bytes) when the input
 *   completes, once per stream, the least recently active stream first.
 */
export interface OperatorSpec<K extends Batch, S> {
  readonly input: K['kind'] & BatchKind;
  readonly state?: () => S;
  readonly streamKey?: (batch: K) => string;
  /** Counts `streams_evicted` when more than `maxStreams` streams are open. */
  readonly metrics?: ComponentMetrics;
  /** Streams kept at once (default 1024); past it the least recently seen stream is flushed and forgotten. */
  readonly maxStreams?: number;
  next(batch: K, emit: Emit, state: S): void;
  flush?(emit: Emit, state: S): void;
}

const MAX_STREAMS = 1024;

/** Per-stream state that returns what to emit: `next` gives any number of batches, `flush` what it still holds. */
export interface BatchStream<K extends Batch> {
  next(batch: K): Batch | readonly Batch[] | undefined;
  flush(): Batch | undefined;
}

/** `operate` for an operator whose per-stream state is a BatchStream (downsample, window). */
export function operateStreams<K extends Batch>(spec: Omit<OperatorSpec<K, BatchStream<K>>, 'next' | 'flush' | 'state'> & { readonly state: () => BatchStream<K> }): OperatorFunction<Batch, Batch> {
  return operate<K, BatchStream<K>>({
    ...spec,
    next(batch, emit, stream) {
      const out = stream.next(batch);
      if (Array.isArray(out)) for (const b of out as readonly Batch[]) emit(b);
      else if (out) emit(out as Batch);
    },
    flush(emit, stream) {
      const out = stream.flush();
      if (out) emit(out);
    },
  });
}

/** The stream key of batches that come from one device: the id of the source (or connection) that read them. */
export const bySource = (batch: Batch): string => batch.source;

/**
 * The one way to write an operator: turns an OperatorSpec into an RxJS operator that checks the
 * input kind, keeps state per stream, flushes every stream when the input completes, and turns
 * anything thrown into an error notification. Messages are not prefixed: the runner names the
 * failing step. Unsubscribing tears down without flushing (it is not the end of the data).
 */
export function operate<K extends Batch, S = undefined>(spec: OperatorSpec<K, S>): OperatorFunction<Batch, Batch> {
  return (input) =>
    new (rx().Observable<Batch>)((subscriber) => {
      const emit: Emit = (batch) => subscriber.next(batch);
      const streams = new Map<string, S>();
      const limit = spec.maxStreams ?? MAX_STREAMS;
      let shared: { state: S } | undefined;
      // A synchronous source keeps emitting while subscribe() has not returned; stop handling after a failure.
      let failed = false;

      const fail = (error: unknown): void => {
        failed = true;
        subscriber.error(error instanceof Error ? error : new Error(String(error)));
      };
      const create = (): S => (spec.state ? spec.state() : (undefined as S));
      const stateOf = (batch: K): S => {
        if (!spec.streamKey) return (shared ??= { state: create() }).state;
        const key = spec.streamKey(batch);
        let state = streams.get(key);
        if (state !== undefined || streams.has(key)) {
          // Map order is insertion order: moving the key to the end keeps the least recent first.
          streams.delete(key);
          streams.set(key, state as S);
          return state as S;
        }
        if (streams.size >= limit) {
          const [oldest, old] = streams.entries().next().value as [string, S];
          streams.delete(oldest);
          spec.flush?.(emit, old);
          spec.metrics?.count('streams_evicted');
        }
        state = create();
        streams.set(key, state);
        return state;
      };

      return input.subscribe({
        next(batch) {
          if (failed) return;
          try {
            if (batch.kind !== spec.input) throw new Error(`takes ${spec.input} batches, got ${batch.kind}`);
            spec.next(batch as K, emit, stateOf(batch as K));
          } catch (error) {
            fail(error);
          }
        },
        error: (error) => subscriber.error(error),
        complete() {
          if (failed) return;
          try {
            if (spec.flush) {
              if (shared) spec.flush(emit, shared.state);
              for (const state of streams.values()) spec.flush(emit, state);
            }
            subscriber.complete();
          } catch (error) {
            fail(error);
          }
        },
      });
    });
}
