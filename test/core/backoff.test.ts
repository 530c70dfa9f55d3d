import { describe, expect, it } from 'vitest';
import { backoffDelayMs, backoffOption, DEFAULT_BACKOFF, TimeoutError, withTimeout } from '../../src/core/backoff.js';

describe('backoffDelayMs', () => {
  const noJitter = () => 0;
  it('grows by factor from initial and stops at max', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map((a) => backoffDelayMs(a, DEFAULT_BACKOFF, noJitter))).toEqual([100, 200, 400, 800, 6400, 10_000, 10_000]);
  });

  it('shortens each delay by up to jitter of itself, never lengthens it', () => {
    expect(backoffDelayMs(2, DEFAULT_BACKOFF, () => 1)).toBeCloseTo(320);
    expect(backoffDelayMs(2, DEFAULT_BACKOFF, () => 0.5)).toBeCloseTo(360);
    expect(backoffDelayMs(30, { initial: 50, max: 1000, factor: 3, jitter: 0.5 }, () => 1)).toBe(500);
  });
});

describe('backoffOption', () => {
  it('fills documented defaults and reads durations', () => {
    expect(backoffOption().parse(undefined)).toEqual({ initial: 100, max: 10_000, factor: 2, jitter: 0.2 });
    expect(backoffOption().parse({ initial: '1s', max: '1m' })).toEqual({ initial: 1000, max: 60_000, factor: 2, jitter: 0.2 });
  });

  it('rejects a jitter above 1 and names the key', () => {
    const result = backoffOption().safeParse({ jitter: 2 });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(['jitter']);
  });
});

describe('withTimeout', () => {
  it('passes a result or an error through', async () => {
    expect(await withTimeout(Promise.resolve(7), 1000, 'x')).toBe(7);
    await expect(withTimeout(Promise.reject(new Error('refused')), 1000, 'x')).rejects.toThrow('refused');
  });

  it('rejects with a TimeoutError naming the operation and releases it', async () => {
    let released = false;
    const never = new Promise<never>(() => undefined);
    const error = await withTimeout(never, 10, 'opening /dev/ttyACM0', () => (released = true)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('opening /dev/ttyACM0 timed out after 10 ms');
    expect(released).toBe(true);
  });
});
