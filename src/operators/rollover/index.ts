import { z } from 'zod';
import { type Field, type RecordsBatch, findField } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { type OutputColumn, numberColumn, requireField, withColumns } from '../../core/records/columns.js';
import { float64ToInt64 } from '../../core/records/int64.js';
import { bySource, operate } from '../operate.js';
import { needColumn, withFields } from '../schema.js';
import { type UnwrapCounts, Unwrapper } from './unwrap.js';

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/);

const options = z
  .strictObject({
    field: name.meta({ description: 'The wrapping counter column (sequence number or timer ticks).', examples: ['seq', 't_ticks'] }),
    bits: z
      .union([z.literal(8), z.literal(16), z.literal(32)])
      .optional()
      .meta({ description: 'Counter width: the value wraps at 2^bits. Give bits or modulus.', examples: [16, 32] }),
    modulus: z.number().int().min(2).max(2 ** 53).optional().meta({ description: 'Number of distinct counter values, for counters that wrap elsewhere than 2^bits.', examples: [1000, 86400] }),
    as: name.optional().meta({ description: 'Name of the unwrapped column; by default it replaces the counter column.', examples: ['seq_unwrapped'] }),
    type: z
      .enum(['i64', 'f64'])
      .default('i64')
      .meta({
        description: 'Type of the unwrapped column: int64 (BIGINT in recordings; a row that held no counter value gets -1) or float64 (NaN there). Both are exact to 2^53.',
        examples: ['i64', 'f64'],
      }),
    gaps_as: name.optional().meta({ description: 'Adds a u32 column with the number of values missing before each record (a step of +1 gives 0); the total is counted as "gaps".', examples: ['dropped_frames'] }),
    epoch_as: z
      .union([name, z.literal(false)])
      .optional()
      .meta({
        description: 'Name of the u32 column numbering device resets (0 until the first reset), or false for none. Default: the field name with `_epoch` (`seq_epoch`), so two rollover steps in one chain do not collide.',
        examples: ['seq_epoch', false],
      }),
    reset_threshold: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .meta({
        description:
          'A fall of the raw value is a wrap only if, read as "passed the top and went on", it skips at most this many counts; a larger jump is a device reset and starts a new epoch. Default: half the range.',
        examples: [32768, 1000],
      }),
    late_tolerance: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .meta({ description: 'A fall of at most this many counts is an out-of-order value (counted as "out_of_order"), not a reset.', examples: [0, 64] }),
  })
  .superRefine((value, ctx) => {
    if ((value.bits === undefined) === (value.modulus === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['bits'], message: 'give exactly one of bits (8, 16, 32) or modulus' });
    }
    const modulus = value.modulus ?? 2 ** (value.bits ?? 32);
    if (value.reset_threshold !== undefined && value.reset_threshold >= modulus) {
      ctx.addIssue({ code: 'custom', path: ['reset_threshold'], message: `must be below the counter range ${modulus}` });
    }
    if (value.late_tolerance * 2 >= modulus) ctx.addIssue({ code: 'custom', path: ['late_tolerance'], message: `must be below half the counter range (${modulus / 2})` });
    const names = [value.as ?? value.field, value.gaps_as, epochColumn(value)].filter((n): n is string => typeof n === 'string');
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['gaps_as'], message: `output column names must differ: ${names.join(', ')}` });
  });

/**
 * `rollover`: unwraps a wrapping counter (8/16/32-bit or any modulus) into a monotonic int64
 * (or float64) value, exact to 2^53. Repeated values are not wraps; gaps and device resets are counted and can be
 * added as columns.
 *
 * @example
 * ```yaml
 * - { type: rollover, field: seq, bits: 16, gaps_as: dropped_frames }
 * - { type: rollover, field: t_ticks, bits: 32, epoch_as: false }
 * ```
 */
export const rollover = defineOperator({
  type: 'rollover',
  metrics: { errors: { out_of_range: 'rows' }, counters: { gaps: 'items', wraps: 'events', out_of_order: 'rows', resets: 'events' } },
  summary: 'Unwraps a wrapping counter into a monotonic value; counts gaps, wraps and device resets (new epochs).',
  options,
  input: 'records',
  output: 'records',
  schema(opts, input, problem) {
    if (!input) return undefined;
    const source = needColumn(input, opts.field, ['field'], problem);
    for (const [key, extra] of extraColumns(opts)) {
      if (input.some((f) => f.name === extra)) problem([key], alreadyThere(extra));
    }
    // Past a problem, go on with what the step would give, so later steps are checked too.
    const fields = outputFields(opts, source ?? { name: opts.field, type: 'f64' });
    return withFields(input, [fields.unwrapped, ...(opts.gaps_as !== undefined ? [fields.gaps] : []), ...(epochColumn(opts) !== undefined ? [fields.epoch] : [])]);
  },
  create(opts, context) {
    const modulus = opts.modulus ?? 2 ** (opts.bits ?? 32);
    const what = `rollover of "${opts.field}"`;
    const epochName = epochColumn(opts);
    const asInt64 = opts.type === 'i64';

    // One unwrapper per stream: two devices' counters merged into one transform are not one counter.
    return operate({
      input: 'records',
      streamKey: bySource,
      metrics: context.metrics,
      state: (): Stream => ({
        unwrapper: new Unwrapper({ modulus, resetThreshold: opts.reset_threshold ?? Math.floor(modulus / 2), lateTolerance: opts.late_tolerance }),
        scratch: new Float64Array(0),
      }),
      next(records: RecordsBatch, emit, stream) {
        const src = numberColumn(records, opts.field);
        if (stream.checkedSchema !== records.schema || stream.outFields === undefined) {
          const source = requireField(records, opts.field);
          for (const [, extra] of extraColumns(opts)) {
            if (findField(records.schema, extra)) throw new Error(alreadyThere(extra));
          }
          stream.checkedSchema = records.schema;
          stream.outFields = outputFields(opts, source);
        }
        const n = records.length;
        // For int64 output the float64 values go to a buffer this stream owns and reuses (it is never
        // emitted), then into a new int64 column.
        if (asInt64 && stream.scratch.length < n) stream.scratch = new Float64Array(n);
        const out = asInt64 ? stream.scratch : new Float64Array(n);
        const gaps = opts.gaps_as !== undefined ? new Uint32Array(n) : undefined;
        const epochs = epochName !== undefined ? new Uint32Array(n) : undefined;
        const counts: UnwrapCounts = { gaps: 0, wraps: 0, resets: 0, late: 0, invalid: 0 };
        stream.unwrapper.run(src, n, out, gaps, epochs, counts);
        if (gaps === undefined) counts.gaps = 0; // steps of a timer are not losses
        report(counts, context.metrics, context.log, `${what} from ${records.source}`);

        const changes: OutputColumn[] = [{ field: stream.outFields.unwrapped, data: asInt64 ? float64ToInt64(out, n) : out }];
        if (gaps) changes.push({ field: stream.outFields.gaps, data: gaps });
        if (epochs) changes.push({ field: stream.outFields.epoch, data: epochs });
        emit(withColumns(records, changes));
      },
    });
  },
  examples: [{ title: 'Unwraps the 16-bit frame counter and counts the frames lost in its gaps', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  samples: { inputs: [node], steps: [ { type: rollover, field: seq, bits: 16, gaps_as: dropped_frames, reset_threshold: 4000 } ] }
sinks: { console: { type: stdout, inputs: [samples], format: table, columns: [seq, dropped_frames], every: 1s } }
` }],
});

type Options = z.output<typeof options>;

/** Columns rollover adds besides the unwrapped one, with the option that names each. */
function extraColumns(opts: Options): [string, string][] {
  const extra: [string, string | false | undefined][] = [
    ['as', opts.as === opts.field ? undefined : opts.as],
    ['gaps_as', opts.gaps_as],
    ['epoch_as', epochColumn(opts)],
  ];
  return extra.filter((e): e is [string, string] => typeof e[1] === 'string');
}

/** The epoch column's name, or undefined for none. */
function epochColumn(opts: Pick<Options, 'field' | 'epoch_as'>): string | undefined {
  if (opts.epoch_as === false) return undefined;
  return opts.epoch_as ?? `${opts.field}_epoch`;
}

const alreadyThere = (name: string) => `column "${name}" already exists (another rollover?); choose another name with as / gaps_as / epoch_as`;

function outputFields(opts: Options, source: Field): { unwrapped: Field; gaps: Field; epoch: Field } {
  const modulus = opts.modulus ?? 2 ** (opts.bits ?? 32);
  return {
    unwrapped: { ...source, name: opts.as ?? opts.field, type: opts.type, description: `${opts.field} unwrapped (modulus ${modulus})` },
    gaps: { name: opts.gaps_as ?? '', type: 'u32', description: `values of ${opts.field} missing before this record` },
    epoch: { name: epochColumn(opts) ?? '', type: 'u32', description: `device resets seen in ${opts.field}` },
  };
}

/** What rollover keeps per stream. */
interface Stream {
  readonly unwrapper: Unwrapper;
  /** float64 unwrapped values before they become int64. */
  scratch: Float64Array;
  checkedSchema?: RecordsBatch['schema'];
  // Output fields, built once per input schema rather than per batch.
  outFields?: { unwrapped: Field; gaps: Field; epoch: Field };
}

function report(counts: UnwrapCounts, metrics: { count(name: string, n?: number): void; error(reason: string, n?: number): void }, log: { warn(obj: object, msg: string): void }, what: string): void {
  if (counts.gaps > 0) metrics.count('gaps', counts.gaps);
  if (counts.wraps > 0) metrics.count('wraps', counts.wraps);
  if (counts.late > 0) metrics.count('out_of_order', counts.late);
  if (counts.invalid > 0) metrics.error('out_of_range', counts.invalid);
  if (counts.resets > 0) {
    metrics.count('resets', counts.resets);
    log.warn({ resets: counts.resets }, `${what}: device reset detected, new epoch started`);
  }
}
