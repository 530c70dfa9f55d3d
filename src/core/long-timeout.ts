/**
 * Node.js timers hold at most 2^31-1 ms (about 24.8 days); a longer delay fires after 1 ms with a
 * TimeoutOverflowWarning. Component durations are refused above this at validate time; a run's
 * `--duration` may be longer, so it goes through `afterLongDelay`.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fn` once after `ms` milliseconds, however long, by chaining timers of at most
 * MAX_TIMER_MS. Returns a function that cancels it; an abort of `signal` cancels it too.
 */
export function afterLongDelay(ms: number, fn: () => void, signal?: AbortSignal): () => void {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  let remaining = ms;
  const cancel = () => {
    cancelled = true;
    clearTimeout(timer);
    signal?.removeEventListener('abort', cancel);
  };
  const arm = () => {
    if (cancelled) return;
    if (remaining <= 0) {
      cancel();
      fn();
      return;
    }
    const step = Math.min(remaining, MAX_TIMER_MS);
    timer = setTimeout(() => {
      // Counted down by steps, not by the wall clock, so virtual time in tests behaves like real time.
      remaining -= step;
      arm();
    }, step);
  };
  if (signal?.aborted) return cancel;
  signal?.addEventListener('abort', cancel, { once: true });
  arm();
  return cancel;
}
