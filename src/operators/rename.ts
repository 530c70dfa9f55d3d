import { PipelineFileMistake } from '../core/pipeline-file-mistake.js';
import { z } from 'zod';
import { type ColumnData, type Field, type RecordsBatch, recordsBatch } from '../core/batch.js';
import { defineOperator } from '../core/component.js';
import { columnList } from '../core/records/columns.js';
import { operate } from './operate.js';
import { needColumn } from './schema.js';

const options = z
  .strictObject({
    fields: z
      .record(z.string(), z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/))
      .meta({ description: 'Old name -> new name.', examples: [{ voltage_raw: 'v_raw', t_device_ns: 'time' }] }),
  })
  .superRefine((value, ctx) => {
    const targets = Object.values(value.fields);
    if (new Set(targets).size !== targets.length) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'two columns would get the same name' });
  });

/**
 * `rename`: renames columns, keeping their data, order and metadata (unit, time, calibration; a
 * calibration's `raw` follows a renamed raw column).
 *
 * @example
 * ```yaml
 * - { type: rename, fields: { t_device_ns: time } }
 * ```
 */
export const rename = defineOperator({
  type: 'rename',
  summary: 'Renames columns, keeping data, order, units and calibration.',
  options,
  input: 'records',
  output: 'records',
  schema(opts, input, problem) {
    if (!input) return undefined;
    const renames = new Map(Object.entries(opts.fields));
    for (const old of renames.keys()) needColumn(input, old, ['fields', old], problem, false);
    const fields = input.map((f) => renamed(f, renames));
    const names = fields.map((f) => f.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) problem(['fields'], `two columns would be named "${twice}"`);
    return fields;
  },
  create(opts) {
    const renames = new Map(Object.entries(opts.fields));
    return operate({
      input: 'records',
      next(records: RecordsBatch, emit) {
        const names = new Set(records.schema.fields.map((f) => f.name));
        for (const old of renames.keys()) {
          if (!names.has(old)) throw new PipelineFileMistake(`column "${old}" does not exist (columns: ${columnList(records.schema)})`);
        }
        const fields: Field[] = [];
        const columns: Record<string, ColumnData> = {};
        for (const f of records.schema.fields) {
          const name = renames.get(f.name) ?? f.name;
          if (name in columns) throw new Error(`two columns would be named "${name}"`);
          fields.push(renamed(f, renames));
          columns[name] = records.columns[f.name];
        }
        emit(recordsBatch(records.source, fields, columns, records.length));
      },
    });
  },
  examples: [{ title: 'Column names a notebook expects', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  samples: { inputs: [node], steps: [ { type: rename, fields: { voltage_raw: v_raw, current_raw: i_raw } } ] }
sinks: { console: { type: stdout, inputs: [samples], format: table, columns: [v_raw, i_raw], every: 1s } }
` }],
});

/** A field under its new name; a calibration's `raw` follows a renamed raw column. */
function renamed(f: Field, renames: ReadonlyMap<string, string>): Field {
  const name = renames.get(f.name) ?? f.name;
  const calibration = f.calibration && renames.has(f.calibration.raw) ? { ...f.calibration, raw: renames.get(f.calibration.raw)! } : f.calibration;
  return { ...f, name, ...(calibration ? { calibration } : {}) };
}
