import { z } from 'zod';
import type { Field, NumericColumn, RecordsBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { duration } from '../../core/options.js';
import { numberColumn, requireField, resolveTimeField } from '../../core/records/columns.js';
import { Bucketer } from '../downsample/buckets.js';
import { bySource, operateStreams } from '../operate.js';
import { needColumn, needTimeColumn } from '../schema.js';
import { formatNs, timeStep } from './granularity.js';
import { WindowTable, STATS, type Stat } from './output.js';
import { Pane } from './panes.js';

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
  metrics: { errors: { time_backwards: 'events' }, counters: { skipped_windows: 'windows' } },
  summary: 'Tumbling or sliding time windows with count, rate, min, max, mean, stddev, sum and p50/p99 per column.',
  options,
  input: 'records',
  output: 'records',
  schema(opts, input, problem) {
    if (!input) return undefined;
    const timeField = needTimeColumn(input, opts.time, ['time'], problem);
    const fieldMeta = opts.fields.map((name, i): Field => needColumn(input, name, ['fields', i], problem) ?? { name, type: 'f64' });
    return new WindowTable(new Set(opts.stats), opts.fields, opts.every * 1e6).fieldsOf(timeField, fieldMeta);
  },
  create(opts, context) {
    const everyNs = opts.every * 1e6;
    const slideNs = (opts.slide ?? opts.every) * 1e6;
    const panesPerWindow = Math.round(everyNs / slideNs);
    const stats = new Set<Stat>(opts.stats);
    const keepValues = stats.has('p50') || stats.has('p99');
    /** The windows of one stream: panes, the open pane and the rows not yet emitted. */
    const openStream = () => {
      const bucketer = new Bucketer({ everyNs: slideNs });
      let ring: Pane[] = [];
      let current: Pane | undefined;
      let firstStart = NaN;
      /** Time of the first record since (re)start: windows that begin before it are not complete. */
      let firstTime = NaN;
      let stepChecked = false;
      let timeField: Field | undefined;
      let fieldMeta: Field[] = [];
      let source = context.id;
      const table = new WindowTable(stats, opts.fields, everyNs);

      const emitWindow = (end: number, complete: number): void => {
        const start = end - everyNs;
        if (start < firstStart - 1e-6) return; // only windows that begin inside the data
        table.add(start, end, ring.slice(-panesPerWindow), complete === 1 && start >= firstTime);
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

      return {
        next(records: RecordsBatch): RecordsBatch | undefined {
          source = records.source;
          timeField = resolveTimeField(records.schema, opts.time);
          const time = numberColumn(records, timeField.name);
          fieldMeta = opts.fields.map((name) => requireField(records, name));
          const columns: NumericColumn[] = opts.fields.map((name) => numberColumn(records, name));
          if (!stepChecked) stepChecked = checkStep(time, records.length, everyNs, opts.every, context.log);
          const segments = bucketer.split(time, records.length);
          for (let k = 0; k < segments.count; k++) {
            if (segments.fresh[k] === 1) startPane(segments.key[k], time[segments.start[k]]);
            const pane = current!;
            const { start, end } = { start: segments.start[k], end: segments.end[k] };
            pane.rows += end - start;
            for (let f = 0; f < columns.length; f++) pane.scan(f, columns[f], start, end);
          }
          return table.build(source, timeField, fieldMeta);
        },
        flush(): RecordsBatch | undefined {
          closeCurrent(0);
          return table.build(source, timeField, fieldMeta);
        },
      };
    };

    // Windows per stream: two devices' data times are two timelines.
    return operateStreams<RecordsBatch>({ input: 'records', streamKey: bySource, metrics: context.metrics, state: openStream });
  },
  examples: [{ title: 'Per-second statistics of the voltage', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  status: { inputs: [node], steps: [ { type: derive, fields: { t_device_ns: "t_ticks * 1000 + i * 10000", voltage: "voltage_raw * 3e-9" }, time: { t_device_ns: device }, units: { voltage: V } }, { type: window, every: 1s, time: t_device_ns, fields: [voltage], stats: [count, min, max, mean] } ] }
sinks: { console: { type: stdout, inputs: [status], format: table, every: 1s } }
` }],
});

/** Refuses a window shorter than the data's time step; true once the step could be measured. */
function checkStep(time: NumericColumn, n: number, everyNs: number, everyMs: number, log: { warn(o: object, m: string): void }): boolean {
  const step = timeStep(time, n);
  if (step === undefined) return false;
  if (everyNs < step) {
    throw new Error(
      `every (${formatNs(everyMs * 1e6)}) is shorter than the data's time step (${formatNs(step)}): most windows would hold 0 or 1 records and every rate computed from them would be biased. Use a window of at least ${formatNs(step * 10)} (10 steps or more).`,
    );
  }
  if (everyNs < step * 10) log.warn({ every_ns: everyNs, step_ns: step }, `window: every holds fewer than 10 time steps of the data (${formatNs(step)}); rates will be coarse`);
  return true;
}
