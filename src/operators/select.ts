import { z } from 'zod';
import { type ColumnData, type Field, type RecordsBatch, recordsBatch } from '../core/batch.js';
import { defineOperator } from '../core/component.js';
import { columnList } from '../core/records/columns.js';
import { operate } from './operate.js';
import { needColumn } from './schema.js';

const options = z
  .strictObject({
    fields: z.array(z.string()).min(1).optional().meta({ description: 'Columns to keep, in this order. Give fields or drop.', examples: [['t_device_ns', 'voltage', 'current']] }),
    drop: z.array(z.string()).min(1).optional().meta({ description: 'Columns to remove; the others are kept in their order.', examples: [['voltage_raw', 'current_raw']] }),
  })
  .superRefine((value, ctx) => {
    if ((value.fields === undefined) === (value.drop === undefined)) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'give exactly one of fields (keep) or drop' });
  });

/**
 * `select`: keeps or drops columns. Naming a column that does not exist is an error that lists the
 * columns there are (a typo would otherwise silently remove data from a recording).
 *
 * @example
 * ```yaml
 * - { type: select, drop: [voltage_raw, current_raw] }
 * ```
 */
export const select = defineOperator({
  type: 'select',
  summary: 'Keeps the listed columns (in that order) or drops the listed ones.',
  options,
  input: 'records',
  output: 'records',
  schema(opts, input, problem) {
    if (!input) return undefined;
    const key = opts.fields ? 'fields' : 'drop';
    const named = (opts.fields ?? opts.drop ?? []).map((name, i) => needColumn(input, name, [key, i], problem, false));
    return opts.fields ? named.filter((f): f is Field => f !== undefined) : input.filter((f) => !opts.drop!.includes(f.name));
  },
  create(opts) {
    return operate({
      input: 'records',
      next(records: RecordsBatch, emit) {
        const byName = new Map(records.schema.fields.map((f) => [f.name, f]));
        const named = opts.fields ?? opts.drop ?? [];
        const missing = named.filter((n) => !byName.has(n));
        if (missing.length > 0) throw new Error(`column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} do${missing.length > 1 ? '' : 'es'} not exist (columns: ${columnList(records.schema)})`);
        const kept: Field[] = opts.fields ? opts.fields.map((n) => byName.get(n)!) : records.schema.fields.filter((f) => !opts.drop!.includes(f.name));
        const columns: Record<string, ColumnData> = {};
        for (const f of kept) columns[f.name] = records.columns[f.name];
        emit(recordsBatch(records.source, kept, columns, records.length));
      },
    });
  },
  examples: [{ title: 'Drops the raw counts once they are calibrated', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  samples: { inputs: [node], steps: [ { type: derive, fields: { voltage: "voltage_raw * 3e-9" } }, { type: select, drop: [voltage_raw, current_raw] } ] }
sinks: { console: { type: stdout, inputs: [samples], format: table, every: 1s } }
` }],
});
