import type { SchedulerLike } from 'rxjs';
import { rx } from './rx.js';

export interface SleepOptions {
  /** Ends the wait early; the promise then resolves with false. */
  readonly signal?: AbortSignal;
  /** Whose clock to wait on: a component passes `context.scheduler`, so tests can use virtual time. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Resolves with true after `ms`, or early with false when the signal aborts (at once if it already
 * has). Leaves neither a timer nor an abort listener behind, so a long retry delay never keeps a
 * stopped pipeline's process alive.
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<boolean> {
  const { signal, scheduler = rx().asyncScheduler } = options;
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      action.unsubscribe();
      resolve(false);
    };
    const action = scheduler.schedule(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
