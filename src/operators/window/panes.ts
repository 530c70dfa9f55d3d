import type { NumericColumn } from '../../core/batch.js';

/**
 * Statistics of one pane (a slice of time as long as the window's slide). A window is the union of
 * its last `every / slide` panes, so sliding windows cost one pane merge each, not a rescan. A pane
 * sums deviations from its first value (no division per value, exact for constants, little
 * cancellation for large offsets); panes are merged with Chan's formula.
 */
export class Pane {
  rows = 0;
  readonly n: Float64Array;
  /** First value of each field: deviations are summed from it. */
  readonly ref: Float64Array;
  /** Sum of deviations and of squared deviations from ref. */
  readonly dev: Float64Array;
  readonly dev2: Float64Array;
  readonly sum: Float64Array;
  readonly min: Float64Array;
  readonly max: Float64Array;
  /** Values per field, kept only when percentiles are asked for. */
  readonly values: number[][] | undefined;

  constructor(
    readonly start: number,
    fields: number,
    keepValues: boolean,
  ) {
    this.n = new Float64Array(fields);
    this.ref = new Float64Array(fields);
    this.dev = new Float64Array(fields);
    this.dev2 = new Float64Array(fields);
    this.sum = new Float64Array(fields);
    this.min = new Float64Array(fields).fill(Infinity);
    this.max = new Float64Array(fields).fill(-Infinity);
    this.values = keepValues ? Array.from({ length: fields }, () => []) : undefined;
  }

  /** Adds rows [start, end) of one field's column. */
  scan(f: number, column: NumericColumn, start: number, end: number): void {
    let n = this.n[f];
    let ref = this.ref[f];
    let dev = this.dev[f];
    let dev2 = this.dev2[f];
    let sum = this.sum[f];
    let min = this.min[f];
    let max = this.max[f];
    const keep = this.values?.[f];
    for (let i = start; i < end; i++) {
      const x = column[i] as number;
      if (x !== x) continue;
      if (n === 0) ref = x;
      n++;
      const d = x - ref;
      dev += d;
      dev2 += d * d;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
      if (keep) keep.push(x);
    }
    this.n[f] = n;
    this.ref[f] = ref;
    this.dev[f] = dev;
    this.dev2[f] = dev2;
    this.sum[f] = sum;
    this.min[f] = min;
    this.max[f] = max;
  }

  /** Mean of field f (n > 0). */
  mean(f: number): number {
    return this.ref[f] + this.dev[f] / this.n[f];
  }

  /** Sum of squared differences from the mean of field f (n > 0). */
  m2(f: number): number {
    const m2 = this.dev2[f] - (this.dev[f] * this.dev[f]) / this.n[f];
    return m2 > 0 ? m2 : 0;
  }
}

/** Statistics of a whole window, merged from its panes. */
export interface WindowStats {
  rows: number;
  n: number;
  mean: number;
  m2: number;
  sum: number;
  min: number;
  max: number;
  values: number[] | undefined;
}

/** Merges one field's statistics over panes (Chan et al.), keeping values for percentiles if asked. */
export function mergeField(panes: readonly Pane[], f: number, keepValues: boolean): WindowStats {
  const out: WindowStats = { rows: 0, n: 0, mean: 0, m2: 0, sum: 0, min: Infinity, max: -Infinity, values: keepValues ? [] : undefined };
  for (const pane of panes) {
    out.rows += pane.rows;
    const nb = pane.n[f];
    if (nb === 0) continue;
    const na = out.n;
    const n = na + nb;
    const mean = pane.mean(f);
    const delta = mean - out.mean;
    // Chan et al.: merging two (n, mean, M2) summaries.
    out.mean = na === 0 ? mean : out.mean + (delta * nb) / n;
    out.m2 += pane.m2(f) + (delta * delta * na * nb) / n;
    out.n = n;
    out.sum += pane.sum[f];
    if (pane.min[f] < out.min) out.min = pane.min[f];
    if (pane.max[f] > out.max) out.max = pane.max[f];
    if (out.values && pane.values) for (const v of pane.values[f]) out.values.push(v);
  }
  return out;
}

/** Nearest-rank percentile of ascending-sorted values: the smallest value with at least p % at or below it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}
