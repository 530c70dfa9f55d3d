import type { Observable } from 'rxjs';
import { rx } from './rx.js';
import type { Batch } from './batch.js';
import type { ComponentContext } from './component.js';

/**
 * A source written as one async loop: `run` emits batches until its signal aborts (the pipeline
 * stops, or the subscriber leaves) and resolves to complete the source or rejects to fail it.
 */
export function loopSource<B extends Batch>(context: ComponentContext, run: (emit: (batch: B) => void, signal: AbortSignal) => Promise<void>): Observable<Batch> {
  return new (rx().Observable<Batch>)((subscriber) => {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    context.signal.addEventListener('abort', onAbort, { once: true });
    if (context.signal.aborted) stop.abort();
    run((batch) => subscriber.next(batch), stop.signal).then(
      () => subscriber.complete(),
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      context.signal.removeEventListener('abort', onAbort);
      stop.abort();
    };
  });
}
