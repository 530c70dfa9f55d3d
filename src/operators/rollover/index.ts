import { map } from 'rxjs';
import { z } from 'zod';
import { type Field, type RecordsBatch, findField } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { type OutputColumn, numberColumn, requireField, withColumns } from '../../core/records/columns.js';
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
    as: name.optional().meta({ description: 'Name of the unwrapped float64 column; by default it replaces the counter column.', examples: ['seq_unwrapped'] }),
    gaps_as: name.optional().meta({ description: 'Adds a u32 column with the number of values missing before each record (a step of +1 gives 0); the total is counted as "gaps".', examples: ['dropped_frames'] }),
    epoch_as: z
      .union([name, z.literal(false)])
      .default('epoch')
      .meta({ description: 'Name of the u32 column numbering device resets (0 until the first reset), or false for none.', examples: ['epoch', false] }),
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
    const names = [value.as ?? value.field, value.gaps_as, value.epoch_as].filter((n): n is string => typeof n === 'string');
    if (new Set(names).size !== names.length) ctx.addIssue({ code: 'custom', path: ['gaps_as'], message: `output column names must differ: ${names.join(', ')}` });
  });

/**
 * `rollover`: unwraps a wrapping counter (8/16/32-bit or any modulus) into a monotonic float64
 * value, exact to 2^53. Repeated values are not wraps; gaps and device resets are counted and can be
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
  summary: 'Unwraps a wrapping counter into a monotonic value; counts gaps, wraps and device resets (new epochs).',
  options,
  input: 'records',
  output: 'records',
  create(opts, context) {
    const modulus = opts.modulus ?? 2 ** (opts.bits ?? 32);
    const unwrapper = new Unwrapper({ modulus, resetThreshold: opts.reset_threshold ?? Math.floor(modulus / 2), lateTolerance: opts.late_tolerance });
    const what = `rollover of "${opts.field}"`;
    const outName = opts.as ?? opts.field;
    const epochName = opts.epoch_as === false ? undefined : opts.epoch_as;
    let checkedSchema: RecordsBatch['schema'] | undefined;
    // Output fields, built once per input schema rather than per batch.
    let outFields: { unwrapped: Field; gaps: Field; epoch: Field } | undefined;

    return map((batch) => {
      if (batch.kind !== 'records') throw new Error(`${what}: expects records batches, got ${batch.kind}`);
      const records = batch as RecordsBatch;
      const src = numberColumn(records, opts.field, what);
      if (checkedSchema !== records.schema || outFields === undefined) {
        const source = requireField(records, opts.field, what);
        for (const extra of [opts.as === opts.field ? undefined : opts.as, opts.gaps_as, epochName]) {
          if (extra !== undefined && findField(records.schema, extra)) {
            throw new Error(`${what}: column "${extra}" already exists (another rollover?); choose another name with as / gaps_as / epoch_as`);
          }
        }
        checkedSchema = records.schema;
        outFields = {
          unwrapped: { ...source, name: outName, type: 'f64', description: `${opts.field} unwrapped (modulus ${modulus})` },
          gaps: { name: opts.gaps_as ?? '', type: 'u32', description: `values of ${opts.field} missing before this record` },
          epoch: { name: epochName ?? '', type: 'u32', description: `device resets seen in ${opts.field}` },
        };
      }
      const n = records.length;
      const out = new Float64Array(n);
      const gaps = opts.gaps_as !== undefined ? new Uint32Array(n) : undefined;
      const epochs = epochName !== undefined ? new Uint32Array(n) : undefined;
      const counts: UnwrapCounts = { gaps: 0, wraps: 0, resets: 0, late: 0, invalid: 0 };
      unwrapper.run(src, n, out, gaps, epochs, counts);
      if (gaps === undefined) counts.gaps = 0; // steps of a timer are not losses
      report(counts, context.metrics, context.log, what);

      const changes: OutputColumn[] = [{ field: outFields.unwrapped, data: out }];
      if (gaps) changes.push({ field: outFields.gaps, data: gaps });
      if (epochs) changes.push({ field: outFields.epoch, data: epochs });
      return withColumns(records, changes);
    });
  },
  examples: [{ title: 'Unwraps the 16-bit frame counter and counts the frames lost in its gaps', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  samples: { inputs: [node], steps: [ { type: rollover, field: seq, bits: 16, gaps_as: dropped_frames, reset_threshold: 4000 } ] }
sinks: { console: { type: stdout, inputs: [samples], format: table, columns: [seq, dropped_frames], every: 1s } }
` }],
});

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
