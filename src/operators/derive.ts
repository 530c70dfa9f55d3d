import { z } from 'zod';
import { type Field, type NumericColumn, type RecordsBatch, allocColumn } from '../core/batch.js';
import { defineOperator } from '../core/component.js';
import { type CompiledExpression, ExpressionError, compileExpression } from '../core/expression/index.js';
import { type OutputColumn, withColumns } from '../core/records/columns.js';
import { float64ToInt64 } from '../core/records/int64.js';
import { operate } from './operate.js';
import { needExpressionColumns, withFields } from './schema.js';

const OUTPUT_TYPES = ['f64', 'f32', 'i64', 'i32', 'u32', 'i16', 'u16', 'i8', 'u8'] as const;
type OutputType = (typeof OUTPUT_TYPES)[number];

const options = z
  .strictObject({
    fields: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/), z.string().min(1))
      .meta({
        description:
          'New or replaced columns, in order: name -> expression over columns and numbers (+ - * / %, parentheses, unary minus, comparisons, abs min max floor ceil round trunc sqrt). Later fields may use earlier ones.',
        examples: [{ voltage: 'voltage_raw * 3e-9', t_device_ns: 't_ticks * 1000 + i * 10000', power: 'voltage * current' }],
      }),
    units: z.record(z.string(), z.string()).default({}).meta({ description: 'Physical unit of derived columns, by name.', examples: [{ voltage: 'V', current: 'A', power: 'W' }] }),
    time: z
      .record(z.string(), z.enum(['device', 'host']))
      .default({})
      .meta({ description: 'Marks derived columns as time columns (float64 ns of device or host time).', examples: [{ t_device_ns: 'device' }] }),
    types: z
      .record(z.string(), z.enum(OUTPUT_TYPES))
      .default({})
      .meta({
        description:
          'Column type of derived columns, by name (default f64). Integer types round to nearest and clamp to their range, counting clamped values (i64: to +-2^53, where float64 stops being exact). f32 halves the bytes and is exact for an ADC code of up to 24 bits times a power-of-two gain; times any other gain it is within half a unit in the 24th bit (relative 6e-8), far below the noise of such a converter. A device-time column may be i64 (ns), which a recording stores as it is.',
        examples: [{ code: 'u16' }, { voltage: 'f32', t_device_ns: 'i64' }],
      }),
  })
  .superRefine((value, ctx) => {
    for (const [name, text] of Object.entries(value.fields)) {
      try {
        compileExpression(text);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['fields', name], message: error.message });
      }
    }
    for (const key of ['units', 'time', 'types'] as const) {
      for (const name of Object.keys(value[key] ?? {})) {
        if (!(name in value.fields)) ctx.addIssue({ code: 'custom', path: [key, name], message: `"${name}" is not one of the derived fields (${Object.keys(value.fields).join(', ')})` });
      }
    }
    for (const name of Object.keys(value.time ?? {})) {
      const type = value.types?.[name];
      const allowed = value.time[name] === 'device' ? ['f64', 'i64'] : ['f64'];
      if (type !== undefined && !allowed.includes(type)) {
        ctx.addIssue({ code: 'custom', path: ['types', name], message: `time column "${name}" must be ${allowed.join(' or ')} (ns)` });
      }
    }
  });

interface Derived {
  readonly name: string;
  readonly expression: CompiledExpression;
  readonly field: Field;
  readonly type: OutputType;
}

/**
 * `derive`: new or replaced columns from arithmetic expressions, parsed by the project's own grammar
 * and evaluated as columnar loops (config text is never evaluated as code). Calibration-shaped
 * expressions (`raw * gain + offset`) record their calibration in the output field.
 *
 * @example
 * ```yaml
 * - type: derive
 *   fields: { voltage: "voltage_raw * 3e-9", power: "voltage * current" }
 *   units: { voltage: V, power: W }
 * ```
 */
export const derive = defineOperator({
  type: 'derive',
  metrics: { errors: { out_of_range: 'rows' } },
  summary: 'Adds or replaces columns computed from arithmetic expressions over columns (calibration, time, power).',
  options,
  input: 'records',
  output: 'records',
  schema(opts, input, problem) {
    if (!input) return undefined;
    let fields: readonly Field[] = input;
    for (const d of derivedColumns(opts)) {
      needExpressionColumns(fields, d.expression.columns, d.expression.text, ['fields', d.name], problem);
      fields = withFields(fields, [d.field]);
    }
    return fields;
  },
  create(opts, context) {
    const derived = derivedColumns(opts);

    return operate({
      input: 'records',
      next(records: RecordsBatch, emit) {
        const n = records.length;
        const current: Record<string, RecordsBatch['columns'][string]> = { ...records.columns };
        const changes: OutputColumn[] = [];
        for (const d of derived) {
          let values: Float64Array;
          try {
            values = d.expression.evaluate(current, n);
          } catch (error) {
            if (error instanceof ExpressionError) throw new Error(`field "${d.name}": ${error.message}`, { cause: error });
            throw error;
          }
          const data = d.type === 'f64' ? values : convert(values, d.type, (count) => context.metrics.error('out_of_range', count));
          current[d.name] = data;
          changes.push({ field: d.field, data });
        }
        emit(withColumns(records, changes));
      },
    });
  },
  examples: [{ title: 'Calibrated voltage, current and power from raw counts', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  samples:
    inputs: [node]
    steps:
      - type: derive
        fields: { voltage: "voltage_raw * 3e-9", current: "current_raw * 250e-12", power: "voltage * current" }
        units: { voltage: V, current: A, power: W }
sinks: { console: { type: stdout, inputs: [samples], format: table, columns: [voltage, current, power], every: 1s } }
` }],
});

/** The columns a derive step computes, in order, with their compiled expressions and fields. */
function derivedColumns(opts: z.output<typeof options>): Derived[] {
return Object.entries(opts.fields).map(([name, text]) => {
    const expression = compileExpression(text);
    const time = opts.time[name];
    const affine = expression.affine;
    const isCalibration = affine !== undefined && time === undefined && (affine.gain !== 1 || affine.offset !== 0);
    const type = opts.types[name] ?? 'f64';
    const field: Field = {
      name,
      type,
      ...(opts.units[name] !== undefined ? { unit: opts.units[name] } : time !== undefined ? { unit: 'ns' } : {}),
      ...(time !== undefined ? { time } : {}),
      ...(isCalibration ? { calibration: { raw: affine.column, gain: affine.gain, offset: affine.offset } } : {}),
      description: `= ${text}`,
      expression: text,
    };
    return { name, expression, field, type };
  });
}

const RANGES: Record<Exclude<OutputType, 'f64' | 'f32' | 'i64'>, [number, number]> = {
  i32: [-(2 ** 31), 2 ** 31 - 1],
  u32: [0, 2 ** 32 - 1],
  i16: [-32768, 32767],
  u16: [0, 65535],
  i8: [-128, 127],
  u8: [0, 255],
};

/** Converts float64 results to the requested column type; integers round to nearest and clamp. */
function convert(values: Float64Array, type: Exclude<OutputType, 'f64'>, onClamped: (n: number) => void): NumericColumn {
  if (type === 'f32') return Float32Array.from(values);
  if (type === 'i64') {
    // One pass: rounded, clamped to +-2^53 and moved into int64 without a BigInt per row; NaN gives 0.
    const counts = { invalid: 0, clamped: 0 };
    const out = float64ToInt64(values, values.length, 0, counts);
    if (counts.invalid + counts.clamped > 0) onClamped(counts.invalid + counts.clamped);
    return out;
  }
  const [lo, hi] = RANGES[type];
  const out = allocColumn(type, values.length);
  let clamped = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i]);
    if (v < lo || v > hi || v !== v) {
      clamped++;
      out[i] = v !== v ? 0 : v < lo ? lo : hi;
    } else out[i] = v;
  }
  if (clamped > 0) onClamped(clamped);
  return out;
}
