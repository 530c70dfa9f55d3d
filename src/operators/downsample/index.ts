import { z } from 'zod';
import { type Batch, type ColumnData, type Field, type NumericColumn, type RecordsBatch, isBinaryColumn, isStringColumn, recordsBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { duration } from '../../core/options.js';
import { numberColumn, requireField, resolveTimeField } from '../../core/records/columns.js';
import { type RowSegment, gatherRows, sameLayout } from '../../core/records/gather.js';
import { MinMax, Mean, type Output, type Reducer } from './aggregate.js';
import { type BucketMode, Bucketer } from './buckets.js';
import { Lttb, type RowPick } from './lttb.js';
import { bySource, operateStreams } from '../operate.js';
import { needColumn, needTimeColumn } from '../schema.js';

const options = z
  .strictObject({
    method: z
      .enum(['minmax', 'mean', 'decimate', 'lttb'])
      .default('minmax')
      .meta({
        description:
          'minmax: smallest and largest value per bucket, in time order (spikes survive); mean: exact bucket mean; decimate: first row of each bucket (no anti-aliasing); lttb: largest-triangle-three-buckets, one row per bucket chosen for display.',
        examples: ['minmax', 'lttb'],
      }),
    every: duration().optional().meta({ description: 'Bucket length in time of the time column (buckets aligned to multiples of it). Give every or factor.', examples: ['10ms', '1s'] }),
    factor: z.number().int().min(2).optional().meta({ description: 'Bucket of this many consecutive records. For lttb: rows / target points.', examples: [100, 1000] }),
    time: z.string().optional().meta({ description: 'Time column. Default: the first device-time column, else the first host-time one.', examples: ['t_device_ns'] }),
    fields: z
      .array(z.string())
      .min(1)
      .optional()
      .meta({ description: 'minmax/mean: columns to reduce (default: every numeric non-time column); lttb: the first one is the value the triangles are measured on.', examples: [['voltage', 'current', 'power']] }),
  })
  .superRefine((value, ctx) => {
    if ((value.every === undefined) === (value.factor === undefined)) ctx.addIssue({ code: 'custom', path: ['every'], message: 'give exactly one of every (a duration) or factor (a record count)' });
    if (value.every !== undefined && !(value.every > 0)) ctx.addIssue({ code: 'custom', path: ['every'], message: 'must be longer than 0' });
  });

type Options = z.output<typeof options>;

/**
 * `downsample`: reduces a stream for previews and live views, by buckets of time (`every`) or of
 * record count (`factor`). Buckets that span batches are carried over, and the last partial bucket
 * is emitted when the input completes.
 *
 * @example
 * ```yaml
 * - { type: downsample, method: minmax, every: 10ms, fields: [voltage, current, power] }
 * ```
 */
export const downsample = defineOperator({
  type: 'downsample',
  summary: 'Downsamples records by time or count buckets: minmax (spikes kept), exact mean, decimate or lttb.',
  options,
  input: 'records',
  output: 'records',
  schema(opts, input, problem) {
    if (!input) return undefined;
    const needsTime = opts.every !== undefined || opts.method === 'lttb' || opts.time !== undefined;
    const timeField = needsTime ? needTimeColumn(input, opts.time, ['time'], problem) : (input.find((f) => f.time === 'device') ?? input.find((f) => f.time === 'host'));
    const measured = (f: Field) => f.time === undefined && f.type !== 'string' && f.type !== 'binary';
    const fields = opts.fields ? opts.fields.map((name, i): Field => needColumn(input, name, ['fields', i], problem) ?? { name, type: 'f64' }) : input.filter(measured);
    if (opts.method === 'lttb' && !opts.fields && fields.length === 0) problem(['fields'], 'lttb: no numeric column to measure; name one in fields');
    if (opts.method === 'decimate' || opts.method === 'lttb') return input;
    return [...(timeField ? [{ ...timeField, type: 'f64' as const }] : []), ...fields.map((f) => ({ ...f, type: 'f64' as const, description: `${opts.method} of ${f.name}` }))];
  },
  create(opts, context) {
    const mode: BucketMode = opts.every !== undefined ? { everyNs: opts.every * 1e6 } : { factor: opts.factor! };
    const openStream = opts.method === 'minmax' || opts.method === 'mean' ? () => reduceColumns(opts, mode) : () => selectRows(opts, mode);
    // Buckets per stream: a bucket never mixes rows of two devices.
    return operateStreams<RecordsBatch>({ input: 'records', streamKey: bySource, metrics: context.metrics, state: openStream });
  },
  examples: [{ title: 'Min/max preview for the live view, keeping every spike', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  preview: { inputs: [node], steps: [ { type: derive, fields: { t_device_ns: "t_ticks * 1000 + i * 10000", voltage: "voltage_raw * 3e-9" }, time: { t_device_ns: device }, units: { voltage: V } }, { type: downsample, method: minmax, every: 10ms, time: t_device_ns, fields: [voltage] } ] }
sinks: { live: { type: websocket, inputs: [preview], listen: 127.0.0.1:8080 } }
` }],
});

function timeOf(records: RecordsBatch, opts: Options): Field | undefined {
  const needed = opts.every !== undefined || opts.method === 'lttb' || opts.time !== undefined;
  if (needed) return resolveTimeField(records.schema, opts.time);
  return records.schema.fields.find((f) => f.time === 'device') ?? records.schema.fields.find((f) => f.time === 'host');
}

function numericOf(records: RecordsBatch, name: string): NumericColumn {
  return numberColumn(records, name);
}

/** One stream's buckets: what each batch gives, and the partial bucket at the end. */
interface Stream {
  next(records: RecordsBatch): readonly Batch[];
  flush(): Batch | undefined;
}

/** minmax and mean: a new batch of the time column and the reduced columns (float64). */
function reduceColumns(opts: Options, mode: BucketMode): Stream {
  const bucketer = new Bucketer(mode);
  let reducer: Reducer | undefined;
  let fields: Field[] = [];
  let timeField: Field | undefined;
  let source = '';

  const emit = (out: Output): RecordsBatch | undefined => {
    if (out.time.length === 0) return undefined;
    const outFields: Field[] = [];
    const columns: Record<string, ColumnData> = {};
    if (timeField) {
      outFields.push({ ...timeField, type: 'f64' });
      columns[timeField.name] = Float64Array.from(out.time);
    }
    fields.forEach((f, k) => {
      outFields.push({ ...f, type: 'f64', description: `${opts.method} of ${f.name}` });
      columns[f.name] = Float64Array.from(out.values[k]);
    });
    return recordsBatch(source, outFields, columns, out.time.length);
  };
  const fresh = (): Output => ({ time: [], values: fields.map(() => []) });

  return {
    next(records) {
      if (reducer === undefined) {
        source = records.source;
        timeField = timeOf(records, opts);
        const names = opts.fields ?? records.schema.fields.filter((f) => f.time === undefined && !isStringColumn(records.columns[f.name]) && !isBinaryColumn(records.columns[f.name])).map((f) => f.name);
        fields = names.map((name) => requireField(records, name));
        reducer = opts.method === 'minmax' ? new MinMax(fields.length) : new Mean(fields.length);
      }
      const time = timeField ? numericOf(records, timeField.name) : undefined;
      const columns = fields.map((f) => numericOf(records, f.name));
      const segments = bucketer.split(time, records.length);
      const out = fresh();
      reducer.add(columns, time, segments, out);
      const batch = emit(out);
      return batch ? [batch] : [];
    },
    flush() {
      if (!reducer) return undefined;
      const out = fresh();
      reducer.flush(out);
      return emit(out);
    },
  };
}

/** decimate and lttb: whole rows chosen from the input, all columns kept. */
function selectRows(opts: Options, mode: BucketMode): Stream {
  const bucketer = new Bucketer(mode);
  const lttb = opts.method === 'lttb' ? new Lttb() : undefined;
  let layout: RecordsBatch['schema'] | undefined;

  return {
    next(records) {
      const out: Batch[] = [];
      if (layout !== undefined && !sameLayout(layout, records.schema) && lttb) {
        // Columns changed mid-stream: finish the held-back rows in the old layout first.
        const picks: RowPick[] = [];
        lttb.flush(picks);
        if (picks.length > 0) out.push(gatherRows(segmentsOf(picks)));
      }
      layout = records.schema;
      const timeField = timeOf(records, opts);
      const time = timeField ? numericOf(records, timeField.name) : undefined;
      const segments = bucketer.split(time, records.length);
      const picks: RowPick[] = [];
      if (lttb) {
        const yName = opts.fields?.[0] ?? records.schema.fields.find((f) => f.time === undefined && !isStringColumn(records.columns[f.name]) && !isBinaryColumn(records.columns[f.name]))?.name;
        if (yName === undefined) throw new Error('lttb: no numeric column to measure; name one in fields');
        lttb.add(records, time!, numericOf(records, yName), segments, picks);
      } else {
        for (let k = 0; k < segments.count; k++) if (segments.fresh[k] === 1) picks.push({ batch: records, row: segments.start[k] });
      }
      if (picks.length > 0) out.push(gatherRows(segmentsOf(picks)));
      return out;
    },
    flush() {
      if (!lttb) return undefined;
      const picks: RowPick[] = [];
      lttb.flush(picks);
      return picks.length > 0 ? gatherRows(segmentsOf(picks)) : undefined;
    },
  };
}

/** Groups consecutive picks from the same batch into row segments for gatherRows. */
function segmentsOf(picks: readonly RowPick[]): RowSegment[] {
  const segments: RowSegment[] = [];
  let i = 0;
  while (i < picks.length) {
    let j = i;
    while (j < picks.length && picks[j].batch === picks[i].batch) j++;
    const rows = new Uint32Array(j - i);
    for (let k = i; k < j; k++) rows[k - i] = picks[k].row;
    segments.push({ batch: picks[i].batch, rows, count: j - i });
    i = j;
  }
  return segments;
}
