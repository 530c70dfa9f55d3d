import { z } from 'zod';
import { type ColumnData, type Field, type NumericColumn, type RecordsBatch, recordsBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { duration } from '../../core/options.js';
import { numberColumn, requireField, resolveTimeField } from '../../core/records/columns.js';
import { recordsStage } from '../../core/records/stage.js';
import { Bucketer } from '../downsample/buckets.js';
import { formatNs, timeStep } from './granularity.js';
import { Pane, mergeField, percentile } from './panes.js';

const STATS = ['count', 'rate', 'min', 'max', 'mean', 'stddev', 'sum', 'per_second', 'p50', 'p99'] as const;
/** Statistics of the window as a whole; the others are per field. */
const WINDOW_STATS: readonly Stat[] = ['count', 'rate'];
type Stat = (typeof STATS)[number];
/** Empty panes filled in at most across one gap in the data; a longer gap restarts the windows. */
const MAX_EMPTY_PANES = 100_000;

const options = z
  .strictObject({
    every: duration().meta({ description: 'Window length, in time of the time column. Must be longer than the data\'s time step.', examples: ['1s', '10s'] }),
    slide: duration().optional().meta({ description: 'Sliding windows: a window ending every slide (every must be a whole multiple of it). Default: tumbling windows (slide = every).', examples: ['100ms'] }),
    time: z.string().optional().meta({ description: 'Time column. Default: the first device-time column, else the first host-time one.', examples: ['t_device_ns', 'host_time_ns'] }),
    fields: z.array(z.string()).default([]).meta({ description: 'Columns to compute per-field statistics on; output columns are named <field>_<stat>.', examples: [['voltage', 'bytes']] }),
    stats: z
      .array(z.enum(STATS))
      .min(1)
      .default(['count', 'rate', 'min', 'max', 'mean'])
      .meta({ description: 'Per window: count and rate (records/s). Per field: min, max, mean, stddev (population), sum, per_second (sum / window length, e.g. bytes/s), p50, p99 (nearest rank).', examples: [['count', 'rate', 'mean', 'p99']] }),
  })
  .superRefine((value, ctx) => {
    if (!(value.every > 0)) ctx.addIssue({ code: 'custom', path: ['every'], message: 'must be longer than 0' });
    if (value.slide !== undefined) {
      const ratio = value.every / value.slide;
      if (!(value.slide > 0) || value.slide > value.every || Math.abs(ratio - Math.round(ratio)) > 1e-9) {
        ctx.addIssue({ code: 'custom', path: ['slide'], message: `must divide every (${value.every} ms) into a whole number of steps` });
      }
    }
  });

/**
 * `window`: tumbling or sliding windows over data time with count, rate and per-field statistics,
 * for status lines and link statistics. Windows close when the data's time passes their end (never
 * on a wall-clock timer); empty windows inside the data report count 0; the last, partial window is
 * emitted at completion; windows the data covers only in part (the first and the last) have `complete` = 0. A window shorter than the data's time step is refused:
 * its counts would be 0 or 1 and every rate biased.
 *
 * @example
 * ```yaml
 * - { type: window, every: 1s, fields: [voltage], stats: [count, rate, min, max, mean] }
 * ```
 */
export const window = defineOperator({
  type: 'window',
  summary: 'Tumbling or sliding time windows with count, rate, min, max, mean, stddev, sum and p50/p99 per column.',
  options,
  input: 'records',
  output: 'records',
  create(opts, context) {
    const everyNs = opts.every * 1e6;
    const slideNs = (opts.slide ?? opts.every) * 1e6;
    const panesPerWindow = Math.round(everyNs / slideNs);
    const stats = new Set<Stat>(opts.stats);
    const keepValues = stats.has('p50') || stats.has('p99');
    const bucketer = new Bucketer({ everyNs: slideNs });
    const seconds = everyNs / 1e9;
    let ring: Pane[] = [];
    let current: Pane | undefined;
    let firstStart = NaN;
    /** Time of the first record since (re)start: windows that begin before it are not complete. */
    let firstTime = NaN;
    let stepChecked = false;
    let timeField: Field | undefined;
    let fieldMeta: Field[] = [];
    let source = context.id;
    let rows: Record<string, number[]> = {};

    const columnNames = (): string[] => {
      const names = ['window_start', 'window_end'];
      if (stats.has('count')) names.push('count');
      if (stats.has('rate')) names.push('rate');
      for (const f of opts.fields) for (const s of STATS) if (!WINDOW_STATS.includes(s) && stats.has(s)) names.push(`${f}_${s}`);
      names.push('complete');
      return names;
    };
    const reset = (): void => {
      rows = Object.fromEntries(columnNames().map((n) => [n, []]));
    };
    reset();

    const emitWindow = (end: number, complete: number): void => {
      const start = end - everyNs;
      if (start < firstStart - 1e-6) return; // only windows that lie wholly inside the data
      const panes = ring.slice(-panesPerWindow);
      let count = 0;
      for (const pane of panes) count += pane.rows;
      rows.window_start.push(start);
      rows.window_end.push(end);
      rows.count?.push(count);
      rows.rate?.push(count / seconds);
      opts.fields.forEach((name, f) => {
        const w = mergeField(panes, f, keepValues);
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
      rows.complete.push(complete === 1 && start >= firstTime ? 1 : 0);
    };

    const closeCurrent = (complete: number): void => {
      if (!current) return;
      ring.push(current);
      if (ring.length > panesPerWindow) ring = ring.slice(-panesPerWindow);
      emitWindow(current.start + slideNs, complete);
      current = undefined;
    };

    const startPane = (key: number, t: number): void => {
      if (current && key < current.start) {
        context.metrics.error('time_backwards');
        closeCurrent(1);
        ring = [];
        firstStart = key;
        firstTime = t;
      } else if (current) {
        const from = current.start + slideNs;
        closeCurrent(1);
        const empty = Math.round((key - from) / slideNs);
        if (empty > MAX_EMPTY_PANES) {
          context.metrics.count('skipped_windows', empty);
          context.log.warn({ gap_ns: key - from }, 'window: gap in the data too long to fill with empty windows; windows restart');
          ring = [];
          firstStart = key;
          firstTime = t;
        } else {
          for (let j = 0; j < empty; j++) {
            current = new Pane(from + j * slideNs, opts.fields.length, false);
            closeCurrent(1);
          }
        }
      } else if (firstStart !== firstStart) {
        firstStart = key;
        firstTime = t;
      }
      current = new Pane(key, opts.fields.length, keepValues);
    };

    const build = (): RecordsBatch | undefined => {
      const n = rows.window_end.length;
      if (n === 0) return undefined;
      const fields: Field[] = [];
      const columns: Record<string, ColumnData> = {};
      for (const name of columnNames()) {
        const values = rows[name];
        if (name === 'window_start' || name === 'window_end') {
          fields.push({ name, type: 'f64', unit: 'ns', ...(timeField?.time ? { time: timeField.time } : {}) });
          columns[name] = Float64Array.from(values);
        } else if (name === 'count') {
          fields.push({ name, type: 'u32' });
          columns[name] = Uint32Array.from(values);
        } else if (name === 'complete') {
          fields.push({ name, type: 'u8', description: '1: data covers the whole window; 0: the data starts after its start or ends before its end' });
          columns[name] = Uint8Array.from(values);
        } else {
          fields.push({ name, type: 'f64', ...unitOf(name, fieldMeta, opts.fields) });
          columns[name] = Float64Array.from(values);
        }
      }
      reset();
      return recordsBatch(source, fields, columns, n);
    };

    return recordsStage(
      'window',
      (records) => {
        source = records.source;
        timeField = resolveTimeField(records.schema, opts.time, 'window');
        const time = numberColumn(records, timeField.name, 'window');
        fieldMeta = opts.fields.map((name) => requireField(records, name, 'window'));
        const columns: NumericColumn[] = opts.fields.map((name) => numberColumn(records, name, 'window'));
        if (!stepChecked) stepChecked = checkStep(time, records.length, everyNs, opts.every, context.log);
        const segments = bucketer.split(time, records.length);
        for (let k = 0; k < segments.count; k++) {
          if (segments.fresh[k] === 1) startPane(segments.key[k], time[segments.start[k]]);
          const pane = current!;
          const { start, end } = { start: segments.start[k], end: segments.end[k] };
          pane.rows += end - start;
          for (let f = 0; f < columns.length; f++) pane.scan(f, columns[f], start, end);
        }
        return build();
      },
      () => {
        closeCurrent(0);
        return build();
      },
    );
  },
});

/** Refuses a window shorter than the data's time step; true once the step could be measured. */
function checkStep(time: NumericColumn, n: number, everyNs: number, everyMs: number, log: { warn(o: object, m: string): void }): boolean {
  const step = timeStep(time, n);
  if (step === undefined) return false;
  if (everyNs < step) {
    throw new Error(
      `window: every (${formatNs(everyMs * 1e6)}) is shorter than the data's time step (${formatNs(step)}): most windows would hold 0 or 1 records and every rate computed from them would be biased. Use a window of at least ${formatNs(step * 10)} (10 steps or more).`,
    );
  }
  if (everyNs < step * 10) log.warn({ every_ns: everyNs, step_ns: step }, `window: every holds fewer than 10 time steps of the data (${formatNs(step)}); rates will be coarse`);
  return true;
}

function unitOf(column: string, meta: readonly Field[], fields: readonly string[]): { unit?: string } {
  const index = fields.findIndex((f) => column.startsWith(`${f}_`));
  const unit = index >= 0 ? meta[index]?.unit : undefined;
  if (column === 'rate') return { unit: '1/s' };
  const perSecond = column.endsWith('_per_second');
  if (unit === undefined) return perSecond ? { unit: '1/s' } : {};
  return { unit: perSecond ? `${unit}/s` : unit };
}
