import { Observable, type OperatorFunction } from 'rxjs';
import type { Batch, RecordsBatch } from '../batch.js';

/**
 * The shape of a stateful records operator: a step per batch that may emit (or not), and a flush
 * when the input completes, for the partial bucket or window still open. Errors thrown by either
 * travel downstream as errors; non-records batches are refused with the operator's name.
 */
export function recordsStage(
  what: string,
  step: (batch: RecordsBatch) => Batch | readonly Batch[] | undefined,
  flush: () => Batch | readonly Batch[] | undefined = () => undefined,
): OperatorFunction<Batch, Batch> {
  return (input) =>
    new Observable<Batch>((subscriber) => {
      const send = (out: Batch | readonly Batch[] | undefined): void => {
        if (out === undefined) return;
        if (Array.isArray(out)) for (const b of out) subscriber.next(b);
        else subscriber.next(out as Batch);
      };
      return input.subscribe({
        next(batch) {
          try {
            if (batch.kind !== 'records') throw new Error(`${what}: expects records batches, got ${batch.kind}`);
            send(step(batch));
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error) => subscriber.error(error),
        complete() {
          try {
            send(flush());
            subscriber.complete();
          } catch (error) {
            subscriber.error(error);
          }
        },
      });
    });
}
