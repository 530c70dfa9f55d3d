import type { FramesBatch } from '../../core/batch.js';
import type { DeadLetters } from '../dead-letters.js';
import type { BinaryDecoder, RowLayout } from './binary.js';
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

/**
 * Decides which frames decode (the `when` filter, lengths, group counts) and lays out one row per
 * frame, or per group with `repeat`. Frames too short for their fields are rejected as `short`.
 */
export function layoutRows(batch: FramesBatch, options: DecodeOptions, decoder: BinaryDecoder, dead: DeadLetters, counts: LayoutCounts): RowLayout {
  const { buffer, offsets, lengths, count } = batch;
  const groups = new Int32Array(count);
  let rows = 0;
  for (let i = 0; i < count; i++) {
    const start = offsets[i];
    const length = lengths[i];
    if (options.when && !matches(buffer, start, length, options.when)) {
      groups[i] = -1;
      counts.skipped++;
      continue;
    }
    const n = length < decoder.minLength ? -1 : decoder.groups(buffer, start, length);
    if (n < 0) {
      groups[i] = -1;
      counts.short++;
      dead.add('short', buffer, start, start + length, batch.hostTimeNs[i]);
      continue;
    }
    groups[i] = n;
    rows += n;
  }
  const layout: RowLayout = {
    rows,
    frameStart: new Uint32Array(rows),
    frameEnd: new Uint32Array(rows),
    groupStart: new Uint32Array(rows),
    groupIndex: new Uint32Array(rows),
    hostTime: new Float64Array(rows),
  };
  const repeatOffset = options.repeat?.offset ?? 0;
  for (let i = 0, r = 0; i < count; i++) {
    const n = groups[i];
    const start = offsets[i];
    for (let g = 0; g < n; g++, r++) {
      layout.frameStart[r] = start;
      layout.frameEnd[r] = start + lengths[i];
      layout.groupStart[r] = start + repeatOffset + g * decoder.stride;
      layout.groupIndex[r] = g;
      layout.hostTime[r] = batch.hostTimeNs[i];
    }
  }
  return layout;
}
