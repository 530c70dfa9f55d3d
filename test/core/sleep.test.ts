import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { sleep } from '../../src/core/sleep.js';

describe('sleep', () => {
  it('resolves true after the delay and false at once when aborted', async () => {
    expect(await sleep(5)).toBe(true);
    const abort = new AbortController();
    const pending = sleep(60_000, { signal: abort.signal });
    abort.abort();
    expect(await pending).toBe(false);
    expect(await sleep(60_000, { signal: abort.signal })).toBe(false);
  });

  it('waits on the given scheduler, so virtual time ends it', async () => {
    const scheduler = new VirtualTimeScheduler();
    let result: boolean | undefined;
    const pending = sleep(60_000, { scheduler }).then((r) => (result = r));
    await Promise.resolve();
    expect(result).toBeUndefined();
    scheduler.flush();
    await pending;
    expect(result).toBe(true);
    expect(scheduler.now()).toBe(60_000);
  });

  it('cancels the scheduled wake-up when aborted', async () => {
    const scheduler = new VirtualTimeScheduler();
    const abort = new AbortController();
    const pending = sleep(1_000, { signal: abort.signal, scheduler });
    abort.abort();
    expect(await pending).toBe(false);
    // Nothing is left to run: flushing does not advance the clock to the cancelled wake-up.
    scheduler.flush();
    expect(scheduler.now()).toBe(0);
  });
});
