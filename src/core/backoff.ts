import { z } from 'zod';
import { duration } from './options.js';

/**
 * Retry timing for sources that meet real devices and networks: exponential backoff with jitter and
 * a timeout wrapper (the wait between attempts is `sleep` in ./sleep.ts). Shared by the serial and
 * TCP sources so every reconnect loop behaves (and is documented) the same way.
 */

export interface Backoff {
  /** Delay before the first retry, ms. */
  readonly initial: number;
  /** Upper bound of any delay, ms. */
  readonly max: number;
  /** Growth per failed attempt. */
  readonly factor: number;
  /** Fraction 0..1 of each delay that is randomized, so many clients do not retry in lockstep. */
  readonly jitter: number;
}

/** Defaults: 100 ms, doubling, at most 10 s, up to 20 % shorter at random. */
export const DEFAULT_BACKOFF: Backoff = Object.freeze({ initial: 100, max: 10_000, factor: 2, jitter: 0.2 });

/**
 * Delay before retry number `attempt` (0-based): min(max, initial * factor^attempt), then shortened by
 * a random share of up to `jitter` of itself ("proportional jitter": never longer than the cap).
 */
export function backoffDelayMs(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const base = Math.min(backoff.max, backoff.initial * backoff.factor ** Math.max(0, attempt));
  return base * (1 - backoff.jitter * random());
}

/** The `backoff` option shared by device sources; every field defaults to DEFAULT_BACKOFF. */
export function backoffOption() {
  return z
    .strictObject({
      initial: duration().prefault('100ms').meta({ description: 'Delay before the first retry after a failed connect or a lost connection.', examples: ['100ms', '1s'] }),
      max: duration().prefault('10s').meta({ description: 'Longest delay between retries; the delay doubles (by `factor`) up to this.', examples: ['10s', '1m'] }),
      factor: z.number().min(1).default(2).meta({ description: 'Growth of the delay after each failed attempt.', examples: [2, 1.5] }),
      jitter: z.number().min(0).max(1).default(0.2).meta({ description: 'Share (0..1) of each delay that is random, so several clients do not retry in lockstep.', examples: [0.2, 0] }),
    })
    .default({ initial: DEFAULT_BACKOFF.initial, max: DEFAULT_BACKOFF.max, factor: DEFAULT_BACKOFF.factor, jitter: DEFAULT_BACKOFF.jitter })
    .meta({
      description: 'Retry timing: exponential backoff with jitter. Defaults: initial 100ms, factor 2, max 10s, jitter 0.2.',
      examples: [{ initial: '100ms', max: '10s', factor: 2, jitter: 0.2 }],
    });
}

/** Raised by `withTimeout`; `what` names the operation so the log line says what took too long. */
export class TimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Rejects with a TimeoutError when `promise` takes longer than `ms`; `onTimeout` releases whatever the
 * operation holds (a half-open port, a connecting socket). A `ms` of 0 means no timeout.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout?: () => void): Promise<T> {
  if (ms <= 0) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(new TimeoutError(what, ms));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
