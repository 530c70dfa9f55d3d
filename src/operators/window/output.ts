import { type ColumnData, type Field, type RecordsBatch, recordsBatch } from '../../core/batch.js';
import { type Pane, mergeField, percentile } from './panes.js';

/** Statistics `window` can report. */
export const STATS = ['count', 'rate', 'min', 'max', 'mean', 'stddev', 'sum', 'per_second', 'p50', 'p99'] as const;
/** One of STATS. */
export type Stat = (typeof STATS)[number];
/** Statistics of the window as a whole; the others are per field. */
const WINDOW_STATS: readonly Stat[] = ['count', 'rate'];

/**
 * The rows `window` emits, one per window: window_start, window_end, count, rate, then
 * `<field>_<stat>` for each field and per-field statistic asked for, and `complete`.
 */
export class WindowTable {
  private rows: Record<string, number[]> = {};
  private readonly names: string[];
  private readonly seconds: number;
  private readonly keepValues: boolean;

  constructor(
    stats: ReadonlySet<Stat>,
    private readonly fields: readonly string[],
    everyNs: number,
  ) {
    this.seconds = everyNs / 1e9;
    this.keepValues = stats.has('p50') || stats.has('p99');
    this.names = ['window_start', 'window_end'];
    if (stats.has('count')) this.names.push('count');
    if (stats.has('rate')) this.names.push('rate');
    for (const f of fields) for (const s of STATS) if (!WINDOW_STATS.includes(s) && stats.has(s)) this.names.push(`${f}_${s}`);
    this.names.push('complete');
    this.reset();
  }

  private reset(): void {
    this.rows = Object.fromEntries(this.names.map((n) => [n, []]));
  }

  /** Adds the window [start, end) made of `panes`. */
  add(start: number, end: number, panes: readonly Pane[], complete: boolean): void {
    const rows = this.rows;
    const seconds = this.seconds;
    let count = 0;
    for (const pane of panes) count += pane.rows;
    rows.window_start.push(start);
    rows.window_end.push(end);
    rows.count?.push(count);
    rows.rate?.push(count / seconds);
    this.fields.forEach((name, f) => {
      const w = mergeField(panes, f, this.keepValues);
      const empty = w.n === 0;
      const put = (stat: Stat, value: number) => rows[`${name}_${stat}`]?.push(value);
      put('min', empty ? NaN : w.min);
      put('max', empty ? NaN : w.max);
      put('mean', empty ? NaN : w.mean);
      put('stddev', empty ? NaN : Math.sqrt(w.m2 / w.n));
      put('sum', w.sum);
      put('per_second', w.sum / seconds);
      if (w.values) {
        const sorted = Float64Array.from(w.values).sort();
        put('p50', percentile(sorted, 50));
        put('p99', percentile(sorted, 99));
      }
    });
    rows.complete.push(complete ? 1 : 0);
  }

  /** The rows added since the last call as one batch, or undefined if there are none. */
  build(source: string, timeField: Field | undefined, fieldMeta: readonly Field[]): RecordsBatch | undefined {
    const n = this.rows.window_end.length;
    if (n === 0) return undefined;
    const fields = this.fieldsOf(timeField, fieldMeta);
    const columns: Record<string, ColumnData> = {};
    for (const field of fields) {
      const values = this.rows[field.name];
      columns[field.name] = field.type === 'u32' ? Uint32Array.from(values) : field.type === 'u8' ? Uint8Array.from(values) : Float64Array.from(values);
    }
    this.reset();
    return recordsBatch(source, fields, columns, n);
  }

  /** The output columns, for the time column and the fields the statistics are computed on. */
  fieldsOf(timeField: Field | undefined, fieldMeta: readonly Field[]): Field[] {
    return this.names.map((name): Field => {
      if (name === 'window_start' || name === 'window_end') return { name, type: 'f64', unit: 'ns', ...(timeField?.time ? { time: timeField.time } : {}) };
      if (name === 'count') return { name, type: 'u32' };
      if (name === 'complete') return { name, type: 'u8', description: '1: data covers the whole window; 0: the data starts after its start or ends before its end' };
      return { name, type: 'f64', ...this.unitOf(name, fieldMeta) };
    });
  }

  /** Units follow the field: stats keep it, per_second divides it by seconds. */
  private unitOf(column: string, meta: readonly Field[]): { unit?: string } {
    if (column === 'rate') return { unit: '1/s' };
    const index = this.fields.findIndex((f) => column.startsWith(`${f}_`));
    const unit = index >= 0 ? meta[index]?.unit : undefined;
    const perSecond = column.endsWith('_per_second');
    if (unit === undefined) return perSecond ? { unit: '1/s' } : {};
    return { unit: perSecond ? `${unit}/s` : unit };
  }
}
