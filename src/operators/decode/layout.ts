import type { FramesBatch } from '../../core/batch.js';
import type { DeadLetters } from '../dead-letters.js';
import type { BinaryDecoder } from './binary.js';
import type { DecodeOptions } from './options.js';

/** What laying out one batch found besides the rows. */
export interface LayoutCounts {
  skipped: number;
  short: number;
}

function matches(buf: Uint8Array, start: number, length: number, when: NonNullable<DecodeOptions['when']>): boolean {
  const at = when.offset >= 0 ? when.offset : length + when.offset;
  if (at < 0 || at + when.equals.length > length) return false;
  for (let i = 0; i < when.equals.length; i++) if (buf[start + at + i] !== when.equals[i]) return false;
  return true;
}

/** The frames of a batch that decode, with how many rows (groups) each gives. */
export interface FrameLayout {
  /** Index in the batch of each decoded frame. */
  readonly frames: Uint32Array;
  /** Rows of each decoded frame: its group count, or 1 without `repeat`. */
  readonly groups: Uint32Array;
  readonly count: number;
  readonly rows: number;
}

/**
 * Decides which frames decode (the `when` filter, lengths, group counts). Frames too short for
 * their fields or groups are rejected as `short`.
 */
export function layoutFrames(batch: FramesBatch, options: DecodeOptions, decoder: BinaryDecoder, dead: DeadLetters, counts: LayoutCounts): FrameLayout {
  const { buffer, offsets, lengths } = batch;
  const frames = new Uint32Array(batch.count);
  const groups = new Uint32Array(batch.count);
  let count = 0;
  let rows = 0;
  for (let i = 0; i < batch.count; i++) {
    const start = offsets[i];
    const length = lengths[i];
    if (options.when && !matches(buffer, start, length, options.when)) {
      counts.skipped++;
      continue;
    }
    const n = length < decoder.minLength ? -1 : decoder.groups(buffer, start, length);
    if (n < 0) {
      counts.short++;
      dead.add('short', buffer, start, start + length, batch.hostTimeNs[i]);
      continue;
    }
    frames[count] = i;
    groups[count++] = n;
    rows += n;
  }
  return { frames, groups, count, rows };
}
