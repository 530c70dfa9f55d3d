import { median } from '../support/report.js';

/**
 * Drift of a series sampled over a run: the median of its last quarter against the median of its
 * first quarter, in percent of the first. Medians, so one garbage-collection spike does not count.
 * Fewer than 4 samples cannot be split into quarters: the first and last sample stand in for them.
 */
export function drift(values: readonly number[]): { first: number; last: number; percent: number } {
  if (values.length === 0) return { first: NaN, last: NaN, percent: NaN };
  const quarter = Math.max(1, Math.floor(values.length / 4));
  const first = median(values.slice(0, quarter));
  const last = median(values.slice(values.length - quarter));
  return { first, last, percent: ((last - first) / first) * 100 };
}
