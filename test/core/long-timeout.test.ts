import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { afterLongDelay, MAX_TIMER_MS } from '../../src/core/long-timeout.js';

describe('afterLongDelay (virtual time)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once after 600 h, not after the 1 ms a single overflowing timer would wait', () => {
    const fired = vi.fn();
    afterLongDelay(600 * 3_600_000, fired);
    vi.advanceTimersByTime(1000);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(600 * 3_600_000 - MAX_TIMER_MS - 1001);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10 * MAX_TIMER_MS);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('fires short delays like setTimeout', () => {
    const fired = vi.fn();
    afterLongDelay(250, fired);
    vi.advanceTimersByTime(249);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('is cancelled by its cancel function and by an abort, also between chained timers', () => {
    const cancelled = vi.fn();
    const cancel = afterLongDelay(3 * MAX_TIMER_MS, cancelled);
    vi.advanceTimersByTime(MAX_TIMER_MS + 5);
    cancel();
    const aborted = vi.fn();
    const controller = new AbortController();
    afterLongDelay(3 * MAX_TIMER_MS, aborted, controller.signal);
    vi.advanceTimersByTime(2 * MAX_TIMER_MS);
    controller.abort();
    vi.advanceTimersByTime(10 * MAX_TIMER_MS);
    expect(cancelled).not.toHaveBeenCalled();
    expect(aborted).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
    const already = vi.fn();
    afterLongDelay(10, already, AbortSignal.abort());
    vi.advanceTimersByTime(100);
    expect(already).not.toHaveBeenCalled();
  });
});
