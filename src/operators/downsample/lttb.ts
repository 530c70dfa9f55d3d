import type { NumericColumn, RecordsBatch } from '../../core/batch.js';
import type { Segments } from './buckets.js';

/** A chosen row: which batch and which row of it. */
export interface RowPick {
  readonly batch: RecordsBatch;
  readonly row: number;
}

/**
 * Streaming largest-triangle-three-buckets (Steinarsson, 2013) for display: keeps the first row,
 * then from each bucket the row forming the largest triangle with the row kept before it and the
 * average of the next bucket, and the last row at the end. Choosing from a bucket needs the next one
 * complete, so one bucket of candidates is held back (by reference: batches are immutable).
 */
class Bucket {
  t = new Float64Array(64);
  y = new Float64Array(64);
  rows = new Int32Array(64);
  size = 0;
  /** Runs of candidates from one batch: runs[k] holds candidates from runStart[k] on. */
  runs: RecordsBatch[] = [];
  runStart: number[] = [];
  sumT = 0;
  sumY = 0;
  validY = 0;

  push(batch: RecordsBatch, row: number, t: number, y: number): void {
    if (this.size === this.t.length) this.grow();
    if (this.runs[this.runs.length - 1] !== batch) {
      this.runs.push(batch);
      this.runStart.push(this.size);
    }
    this.t[this.size] = t;
    this.y[this.size] = y;
    this.rows[this.size] = row;
    this.size++;
    this.sumT += t;
    if (y === y) {
      this.sumY += y;
      this.validY++;
    }
  }

  batchOf(index: number): RecordsBatch {
    let k = this.runs.length - 1;
    while (this.runStart[k] > index) k--;
    return this.runs[k];
  }

  private grow(): void {
    const size = this.t.length * 2;
    const t = new Float64Array(size);
    const y = new Float64Array(size);
    const rows = new Int32Array(size);
    t.set(this.t);
    y.set(this.y);
    rows.set(this.rows);
    [this.t, this.y, this.rows] = [t, y, rows];
  }

  clear(): void {
    this.size = 0;
    this.runs = [];
    this.runStart = [];
    this.sumT = 0;
    this.sumY = 0;
    this.validY = 0;
  }
}

/** Streaming LTTB state: the last kept row and two candidate buckets. */
export class Lttb {
  private started = false;
  private lastT = 0;
  private lastY = 0;
  /** Two buckets reused in turn: the open one and the one held back until the open one is complete. */
  private readonly buckets = [new Bucket(), new Bucket()];
  private open = 0;
  private holding = false;

  add(batch: RecordsBatch, time: NumericColumn, y: NumericColumn, s: Segments, picks: RowPick[]): void {
    for (let k = 0; k < s.count; k++) {
      let start = s.start[k];
      if (s.fresh[k] === 1 && this.buckets[this.open].size > 0) this.closeOpen(picks);
      if (!this.started) {
        this.started = true;
        this.keep(batch, start, time[start] as number, y[start] as number, picks);
        start++;
      }
      const bucket = this.buckets[this.open];
      for (let i = start; i < s.end[k]; i++) bucket.push(batch, i, time[i] as number, y[i] as number);
    }
  }

  /** End of the stream: chooses from the held-back bucket and keeps the very last row. */
  flush(picks: RowPick[]): void {
    const open = this.buckets[this.open];
    const held = this.buckets[1 - this.open];
    if (this.holding && open.size > 0) this.choose(held, open, picks);
    else if (this.holding) this.keepAt(held, held.size - 1, picks);
    if (open.size > 0) this.keepAt(open, open.size - 1, picks);
    open.clear();
    held.clear();
    this.holding = false;
    this.started = false;
  }

  private closeOpen(picks: RowPick[]): void {
    const open = this.buckets[this.open];
    const held = this.buckets[1 - this.open];
    if (this.holding) this.choose(held, open, picks);
    held.clear();
    this.open = 1 - this.open;
    this.holding = true;
  }

  private keepAt(bucket: Bucket, i: number, picks: RowPick[]): void {
    this.keep(bucket.batchOf(i), bucket.rows[i], bucket.t[i], bucket.y[i], picks);
  }

  /** Keeps the row of `bucket` that makes the largest triangle with the last kept row and the average of `next`. */
  private choose(bucket: Bucket, next: Bucket, picks: RowPick[]): void {
    const cT = next.sumT / next.size;
    const cY = next.validY > 0 ? next.sumY / next.validY : this.lastY;
    const aT = this.lastT;
    const aY = this.lastY;
    let best = 0;
    let bestArea = -1;
    for (let i = 0; i < bucket.size; i++) {
      const area = Math.abs((aT - cT) * (bucket.y[i] - aY) - (aT - bucket.t[i]) * (cY - aY));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    this.keepAt(bucket, best, picks);
  }

  private keep(batch: RecordsBatch, row: number, t: number, y: number, picks: RowPick[]): void {
    picks.push({ batch, row });
    this.lastT = t;
    this.lastY = y === y ? y : this.lastY;
  }
}
