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
  t: number[] = [];
  y: number[] = [];
  batches: RecordsBatch[] = [];
  rows: number[] = [];
  sumT = 0;
  sumY = 0;
  validY = 0;

  push(batch: RecordsBatch, row: number, t: number, y: number): void {
    this.t.push(t);
    this.y.push(y);
    this.batches.push(batch);
    this.rows.push(row);
    this.sumT += t;
    if (y === y) {
      this.sumY += y;
      this.validY++;
    }
  }

  get size(): number {
    return this.t.length;
  }
}

export class Lttb {
  private started = false;
  private lastT = 0;
  private lastY = 0;
  private pending: Bucket | undefined;
  private current = new Bucket();

  add(batch: RecordsBatch, time: NumericColumn, y: NumericColumn, s: Segments, picks: RowPick[]): void {
    for (let k = 0; k < s.count; k++) {
      let start = s.start[k];
      if (s.fresh[k] === 1 && this.current.size > 0) this.closeCurrent(picks);
      if (!this.started) {
        this.started = true;
        this.keep(batch, start, Number(time[start]), Number(y[start]), picks);
        start++;
      }
      for (let i = start; i < s.end[k]; i++) this.current.push(batch, i, Number(time[i]), Number(y[i]));
    }
  }

  /** End of the stream: chooses from the held-back bucket and keeps the very last row. */
  flush(picks: RowPick[]): void {
    const current = this.current;
    if (this.pending && current.size > 0) this.choose(this.pending, current.sumT / current.size, current.validY > 0 ? current.sumY / current.validY : this.lastY, picks);
    else if (this.pending) {
      const p = this.pending;
      this.keep(p.batches[p.size - 1], p.rows[p.size - 1], p.t[p.size - 1], p.y[p.size - 1], picks);
    }
    if (current.size > 0) {
      const last = current.size - 1;
      this.keep(current.batches[last], current.rows[last], current.t[last], current.y[last], picks);
    }
    this.pending = undefined;
    this.current = new Bucket();
    this.started = false;
  }

  private closeCurrent(picks: RowPick[]): void {
    const current = this.current;
    if (this.pending) this.choose(this.pending, current.sumT / current.size, current.validY > 0 ? current.sumY / current.validY : this.lastY, picks);
    this.pending = current;
    this.current = new Bucket();
  }

  private choose(bucket: Bucket, cT: number, cY: number, picks: RowPick[]): void {
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
    this.keep(bucket.batches[best], bucket.rows[best], bucket.t[best], bucket.y[best], picks);
    this.pending = undefined;
  }

  private keep(batch: RecordsBatch, row: number, t: number, y: number, picks: RowPick[]): void {
    picks.push({ batch, row });
    this.lastT = t;
    this.lastY = y === y ? y : this.lastY;
  }
}
