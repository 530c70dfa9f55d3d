import type { Batch } from '../../core/batch.js';
import type { Clock } from '../../core/clock.js';
import { deviceSecondsText, wallClockText } from '../../core/time-text.js';
import { batchRows, renderTable, type Row } from './rows.js';

/**
 * The rows a `table` update shows: everything that arrived since the previous update, once. An update
 * with nothing new prints nothing (the previous rows are not shown again); when more than `rows`
 * arrived, the newest `rows` are shown with a line saying how many earlier ones were left out.
 */
export class TableRows {
  private pending: Batch[] = [];
  private pendingRows = 0;
  private leftOut = 0;

  constructor(
    private readonly clock: Clock,
    private readonly rows: number,
    private readonly columns?: readonly string[],
  ) {}

  add(batch: Batch): void {
    this.pending.push(batch);
    this.pendingRows += rowCount(batch);
    // Only the newest `rows` rows are shown: batches wholly older than those need not be kept.
    while (this.pending.length > 1 && this.pendingRows - rowCount(this.pending[0]) >= this.rows) {
      const dropped = rowCount(this.pending.shift()!);
      this.pendingRows -= dropped;
      this.leftOut += dropped;
    }
  }

  /** The text of the next update ("" when nothing arrived since the last one). */
  take(): string {
    if (this.pending.length === 0) return '';
    let budget = this.rows;
    const parts: Row[][] = [];
    for (let i = this.pending.length - 1; i >= 0 && budget > 0; i--) {
      const rows = readableRows(this.pending[i], this.clock, this.columns, budget);
      budget -= rows.length;
      parts.unshift(rows);
    }
    const shown = this.rows - budget;
    const leftOut = this.leftOut + this.pendingRows - shown;
    this.pending = [];
    this.pendingRows = 0;
    this.leftOut = 0;
    const note = leftOut > 0 ? `(${leftOut} earlier ${leftOut === 1 ? 'row' : 'rows'} since the last update not shown; rows: ${this.rows})\n` : '';
    return note + tables(parts.flat());
  }
}

function rowCount(batch: Batch): number {
  return batch.kind === 'records' ? batch.length : batch.kind === 'frames' ? batch.count : 1;
}

/** One table per run of rows with the same columns (a sink with several inputs gets several kinds). */
function tables(rows: readonly Row[]): string {
  let text = '';
  let start = 0;
  const key = (row: Row) => Object.keys(row).join('\u0000');
  for (let i = 1; i <= rows.length; i++) {
    if (i === rows.length || key(rows[i]) !== key(rows[start])) {
      text += renderTable(rows.slice(start, i));
      start = i;
    }
  }
  return text;
}

/** The batch's newest `limit` rows with times as people read them: host times as local wall-clock time, device times in seconds. */
function readableRows(batch: Batch, clock: Clock, columns: readonly string[] | undefined, limit: number): Row[] {
  const rows = batchRows(batch, clock, columns, limit);
  if (batch.kind !== 'records') return rows.map((row) => ({ ...row, host_time: JSON.stringify(wallClockText(BigInt(row.host_time))) }));
  const times = new Map(batch.schema.fields.filter((f) => f.time !== undefined).map((f) => [f.name, f.time]));
  if (times.size === 0) return rows;
  return rows.map((row) => {
    const readable: Row = {};
    for (const [name, text] of Object.entries(row)) {
      const time = times.get(name);
      if (time === 'host') readable[name] = JSON.stringify(text === 'null' ? 'null' : wallClockText(BigInt(text)));
      else if (time === 'device') readable[`${name}(s)`] = JSON.stringify(deviceSecondsText(Number(text)));
      else readable[name] = text;
    }
    return readable;
  });
}
