import type { NumericColumn } from '../../core/batch.js';
import type { Segments } from './buckets.js';

/**
 * The column-reducing downsamplers. Both keep per-field state for the open bucket across batches
 * and write finished buckets into plain output lists.
 *
 * - minmax: the smallest and largest value of each bucket, in the order they occurred, so a spike
 *   is never lost; two rows per bucket (the bucket's first and last time), one for a single row.
 * - mean: the exact bucket mean, summed as deviations from the bucket's first value, so a constant
 *   signal comes out bit-identical (no drift from rounding a large sum) and long buckets lose little.
 */
export interface Output {
  time: number[];
  values: number[][];
}

/** A column reducer: adds runs of rows to the open bucket and writes closed buckets out. */
export interface Reducer {
  /** Adds rows [start, end) of the given field columns; `fresh` closes the open bucket first. */
  add(columns: readonly NumericColumn[], time: NumericColumn | undefined, segments: Segments, out: Output): void;
  /** Closes the open bucket, if any. */
  flush(out: Output): void;
}

/** Smallest and largest value per bucket, in the order they occurred. */
export class MinMax implements Reducer {
  private rows = 0;
  private firstTime = NaN;
  private lastTime = NaN;
  /** Ordinal of the next row, so extremes can be put in time order across batches. */
  private ordinal = 0;
  private readonly min: Float64Array;
  private readonly max: Float64Array;
  private readonly minAt: Float64Array;
  private readonly maxAt: Float64Array;

  constructor(private readonly fields: number) {
    this.min = new Float64Array(fields);
    this.max = new Float64Array(fields);
    this.minAt = new Float64Array(fields);
    this.maxAt = new Float64Array(fields);
    this.reset();
  }

  private reset(): void {
    this.rows = 0;
    this.min.fill(Infinity);
    this.max.fill(-Infinity);
    this.minAt.fill(-1);
    this.maxAt.fill(-1);
  }

  add(columns: readonly NumericColumn[], time: NumericColumn | undefined, s: Segments, out: Output): void {
    for (let k = 0; k < s.count; k++) {
      const start = s.start[k];
      const end = s.end[k];
      if (s.fresh[k] === 1) this.flush(out);
      if (this.rows === 0) this.firstTime = time ? Number(time[start]) : NaN;
      for (let f = 0; f < this.fields; f++) this.scan(columns[f], start, end, f);
      this.rows += end - start;
      this.ordinal += end - start;
      if (time) this.lastTime = Number(time[end - 1]);
    }
  }

  private scan(column: NumericColumn, start: number, end: number, f: number): void {
    let min = this.min[f];
    let max = this.max[f];
    let minAt = this.minAt[f];
    let maxAt = this.maxAt[f];
    const base = this.ordinal - start;
    for (let i = start; i < end; i++) {
      const v = column[i] as number;
      if (v < min) {
        min = v;
        minAt = base + i;
      }
      if (v > max) {
        max = v;
        maxAt = base + i;
      }
    }
    this.min[f] = min;
    this.max[f] = max;
    this.minAt[f] = minAt;
    this.maxAt[f] = maxAt;
  }

  flush(out: Output): void {
    if (this.rows === 0) return;
    const two = this.rows > 1;
    out.time.push(this.firstTime);
    if (two) out.time.push(this.lastTime);
    for (let f = 0; f < this.fields; f++) {
      const list = out.values[f];
      if (this.minAt[f] < 0) {
        // No comparable value in the bucket (all NaN).
        list.push(NaN);
        if (two) list.push(NaN);
      } else if (!two) list.push(this.min[f]);
      else if (this.minAt[f] <= this.maxAt[f]) list.push(this.min[f], this.max[f]);
      else list.push(this.max[f], this.min[f]);
    }
    this.reset();
  }
}

/** Exact mean per bucket, as the first value plus the mean deviation from it. */
export class Mean implements Reducer {
  private key = NaN;
  private open = false;
  private readonly ref: Float64Array;
  private readonly deviation: Float64Array;
  private readonly valid: Float64Array;

  constructor(private readonly fields: number) {
    this.ref = new Float64Array(fields).fill(NaN);
    this.deviation = new Float64Array(fields);
    this.valid = new Float64Array(fields);
  }

  add(columns: readonly NumericColumn[], _time: NumericColumn | undefined, s: Segments, out: Output): void {
    for (let k = 0; k < s.count; k++) {
      if (s.fresh[k] === 1) {
        this.flush(out);
        this.key = s.key[k];
      }
      this.open = true;
      for (let f = 0; f < this.fields; f++) this.scan(columns[f], s.start[k], s.end[k], f);
    }
  }

  private scan(column: NumericColumn, start: number, end: number, f: number): void {
    let ref = this.ref[f];
    let sum = this.deviation[f];
    let valid = this.valid[f];
    for (let i = start; i < end; i++) {
      const v = column[i] as number;
      if (v !== v) continue;
      if (valid === 0) ref = v;
      sum += v - ref;
      valid++;
    }
    this.ref[f] = ref;
    this.deviation[f] = sum;
    this.valid[f] = valid;
  }

  flush(out: Output): void {
    if (!this.open) return;
    out.time.push(this.key);
    for (let f = 0; f < this.fields; f++) {
      out.values[f].push(this.valid[f] > 0 ? this.ref[f] + this.deviation[f] / this.valid[f] : NaN);
    }
    this.ref.fill(NaN);
    this.deviation.fill(0);
    this.valid.fill(0);
    this.open = false;
  }
}
