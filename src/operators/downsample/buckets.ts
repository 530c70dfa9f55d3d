import type { NumericColumn } from '../../core/batch.js';

/**
 * Splits each batch into runs of rows that fall into one bucket, keeping the open bucket across
 * batch boundaries. Buckets are either `every` ns of a time column (aligned to multiples of the
 * length, so they do not depend on where a batch starts) or `factor` consecutive rows.
 */
export interface Segments {
  /** Number of runs in this batch. */
  count: number;
  start: Int32Array;
  end: Int32Array;
  /** 1 when the run starts a new bucket (the open one must be closed first). */
  fresh: Uint8Array;
  /** Bucket label: its aligned start time (every) or the time of its first row (factor, NaN without time). */
  key: Float64Array;
}

/** Buckets of `everyNs` of time or of `factor` consecutive rows. */
export type BucketMode = { readonly everyNs: number } | { readonly factor: number };

/** Splits batches into runs of one bucket each, carrying the open bucket across batches. */
export class Bucketer {
  private open = false;
  private bucketStart = 0;
  private bucketEnd = 0;
  /** Rows seen so far, for factor buckets. */
  private position = 0;
  private readonly segments: Segments = { count: 0, start: new Int32Array(0), end: new Int32Array(0), fresh: new Uint8Array(0), key: new Float64Array(0) };

  constructor(private readonly mode: BucketMode) {}

  /** Runs of the next `n` rows; the returned object is reused by the next call. */
  split(time: NumericColumn | undefined, n: number): Segments {
    const s = this.segments;
    if (s.start.length < n + 1) {
      const size = Math.max(n + 1, s.start.length * 2);
      s.start = new Int32Array(size);
      s.end = new Int32Array(size);
      s.fresh = new Uint8Array(size);
      s.key = new Float64Array(size);
    }
    s.count = 0;
    if (n === 0) return s;
    if ('everyNs' in this.mode) this.byTime(time!, n, this.mode.everyNs);
    else this.byCount(time, n, this.mode.factor);
    return s;
  }

  private push(start: number, fresh: number, key: number): void {
    const s = this.segments;
    if (s.count > 0) s.end[s.count - 1] = start;
    s.start[s.count] = start;
    s.fresh[s.count] = fresh;
    s.key[s.count] = key;
    s.count++;
  }

  private byTime(time: NumericColumn, n: number, every: number): void {
    let { bucketStart, bucketEnd } = this;
    if (!this.open) {
      bucketStart = Math.floor(Number(time[0]) / every) * every;
      bucketEnd = bucketStart + every;
      this.push(0, 1, bucketStart);
      this.open = true;
    } else this.push(0, 0, bucketStart);
    for (let i = 0; i < n; i++) {
      const t = time[i] as number;
      // Rows with a NaN time stay in the open bucket; a time going backwards starts a new one.
      if (t >= bucketEnd || t < bucketStart) {
        bucketStart = Math.floor(t / every) * every;
        bucketEnd = bucketStart + every;
        if (i === 0) {
          this.segments.fresh[0] = 1;
          this.segments.key[0] = bucketStart;
        } else this.push(i, 1, bucketStart);
      }
    }
    this.segments.end[this.segments.count - 1] = n;
    this.bucketStart = bucketStart;
    this.bucketEnd = bucketEnd;
  }

  private byCount(time: NumericColumn | undefined, n: number, factor: number): void {
    let i = 0;
    const into = this.position % factor;
    if (into !== 0) {
      this.push(0, 0, NaN);
      i = Math.min(n, factor - into);
    }
    for (; i < n; i += factor) this.push(i, 1, time ? Number(time[i]) : NaN);
    this.segments.end[this.segments.count - 1] = n;
    this.position += n;
  }
}
