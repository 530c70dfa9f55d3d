import type { Observable } from 'rxjs';
import type { Batch } from '../../src/core/batch.js';

/** Subscribes to a source and keeps everything it emits, for assertions while it runs. */
export function collect(source: Observable<Batch>) {
  const batches: Batch[] = [];
  const state = { batches, bytes: 0, error: undefined as Error | undefined, completed: false };
  const subscription = source.subscribe({
    next: (batch) => {
      batches.push(batch);
      if (batch.kind === 'bytes') state.bytes += batch.data.length;
    },
    error: (error: Error) => (state.error = error),
    complete: () => (state.completed = true),
  });
  return Object.assign(state, {
    subscription,
    /** All Bytes batches' data, concatenated. */
    data: () => Buffer.concat(batches.flatMap((b) => (b.kind === 'bytes' ? [b.data] : []))),
  });
}
