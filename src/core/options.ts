import { z } from 'zod';
import { MAX_TIMER_MS } from './long-timeout.js';
import { quoted } from './config/errors.js';

/**
 * Option types shared by components. Each returns a zod schema that accepts the human form used in
 * pipeline files ("10ms", "512MB", "7B 01") and yields the number or buffer the code needs.
 */

/**
 * Schema metadata key naming the quantity an option holds ("duration" or "size"), so defaults are
 * shown as `10ms` and `64MiB` rather than the numbers the code gets, and types as what they are.
 */
export const QUANTITY = 'x-quantity';
export type Quantity = 'duration' | 'size';

/** The quantity a schema (or the schema it was cloned from) holds, if any. */
export function quantityOf(schema: z.ZodType): Quantity | undefined {
  const value = z.globalRegistry.get(schema)?.[QUANTITY];
  return value === 'duration' || value === 'size' ? value : undefined;
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Parses "250us", "10ms", "1.5s", "10m", "2h" into milliseconds; a bare number is milliseconds. */
export function parseDurationMs(text: string | number): number {
  if (typeof text === 'number') return text;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|ms|s|min|m|h)\s*$/.exec(text);
  if (!match) throw new Error(`${quoted(String(text))} is not a duration (examples: 250us, 10ms, 1s, 10m, 2h)`);
  return Number(match[1]) * DURATION_UNITS[match[2]];
}

/**
 * A duration option: a string like "1s" or a number of milliseconds; yields milliseconds. Durations
 * drive timers, so one longer than a timer can hold (24.8 days) is refused instead of firing at once.
 */
export function duration() {
  return z
    .union([z.string(), z.number().nonnegative()])
    .transform((value, ctx) => {
      try {
        const ms = parseDurationMs(value);
        if (ms > MAX_TIMER_MS) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is too long: a duration may be at most ${formatDuration(MAX_TIMER_MS)} (about 24.8 days, the longest a timer can wait)` });
        return ms;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .meta({ [QUANTITY]: 'duration' });
}

/** Milliseconds in the largest unit that holds them exactly: 10000 -> "10s", 0.25 -> "250us". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, factor] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1], ['us', 1e-3]] as const) {
    const count = ms / factor;
    if (Number.isInteger(count) && count > 0) return `${count}${unit}`;
  }
  return `${ms}ms`;
}

/** Bytes in the largest unit that holds them exactly, binary first: 67108864 -> "64MiB", 1e6 -> "1MB". */
export function formatByteSize(bytes: number): string {
  if (bytes === 0) return '0';
  for (const [unit, factor] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024], ['GB', 1e9], ['MB', 1e6], ['kB', 1e3]] as const) {
    const count = bytes / factor;
    if (Number.isInteger(count) && count > 0) return `${count}${unit}`;
  }
  return String(bytes);
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** Parses "64KiB", "512MB", "1GB" into bytes; a bare number is bytes. */
export function parseByteSize(text: string | number): number {
  if (typeof text === 'number') return text;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? (match[2] || 'b').toLowerCase() : '';
  if (!match || SIZE_UNITS[unit] === undefined) throw new Error(`${quoted(String(text))} is not a size (examples: 4096, 64KiB, 512MB)`);
  return Math.round(Number(match[1]) * SIZE_UNITS[unit]);
}

/** A size option: "64KiB", "512MB" or a number of bytes; yields bytes, at most `max` when given. */
export function byteSizeOption(max?: number) {
  return z
    .union([z.string(), z.number().int().nonnegative()])
    .transform((value, ctx) => {
      try {
        const bytes = parseByteSize(value);
        if (max !== undefined && bytes > max) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is too large: at most ${formatByteSize(max)}` });
        return bytes;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .meta({ [QUANTITY]: 'size' });
}

/** Parses hex bytes: "7B 01 0A", "0x7B,0x01", or a number 0..255. */
export function parseHexBytes(value: string | number | number[]): Buffer {
  if (typeof value === 'number') value = [value];
  if (Array.isArray(value)) {
    for (const b of value) if (!Number.isInteger(b) || b < 0 || b > 255) throw new Error(`${b} is not a byte (0..255)`);
    return Buffer.from(value);
  }
  const tokens = value.split(/[\s,]+/).filter(Boolean);
  const bytes = tokens.map((t) => {
    const hex = t.replace(/^0x/i, '');
    if (!/^[0-9a-fA-F]{1,2}$/.test(hex)) throw new Error(`${quoted(t)} is not a hex byte (example: "7B 01" or [0x7B, 0x01])`);
    return parseInt(hex, 16);
  });
  return Buffer.from(bytes);
}

/** A byte-sequence option: "7B 01", 0x7B, or [0x7B, 0x01]; yields a Buffer. */
export function hexBytes() {
  return z.union([z.string(), z.number(), z.array(z.number())]).transform((value, ctx) => {
    try {
      return parseHexBytes(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
}

/** "127.0.0.1:8080" or ":8080" (loopback) into host and port. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new Error(`${quoted(text)} is not host:port (example: 127.0.0.1:8080)`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`port ${port} is out of range`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}
