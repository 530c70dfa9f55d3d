import { z } from 'zod';
import type { RecordsBatch } from '../core/batch.js';
import { defineOperator } from '../core/component.js';
import { ExpressionError, compileExpression, truthy } from '../core/expression/index.js';
import { takeRows } from '../core/records/gather.js';
import { operate } from './operate.js';
import { needExpressionColumns } from './schema.js';

const options = z
  .strictObject({
    where: z
      .string()
      .min(1)
      .meta({
        description: 'Condition over columns; records where it is true (nonzero, not NaN) are kept. Same grammar as derive, with < <= > >= == != && || !.',
        examples: ['voltage > 1.8 && current >= 0', 'task_id != 0'],
      }),
  })
  .superRefine((value, ctx) => {
    try {
      compileExpression(value.where);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      ctx.addIssue({ code: 'custom', path: ['where'], message: error.message });
    }
  });

/**
 * `filter`: keeps the records for which a condition holds. The condition uses the same expression
 * grammar as `derive`. Records filtered out are counted as "filtered_out" (on purpose, not lost).
 *
 * @example
 * ```yaml
 * - { type: filter, where: "voltage > 1.8" }
 * ```
 */
export const filter = defineOperator({
  type: 'filter',
  metrics: { counters: { filtered_out: 'rows' } },
  summary: 'Keeps the records for which a condition (comparison expression over columns) is true.',
  options,
  input: 'records',
  output: 'records',
  schema(opts, input, problem) {
    if (input) needExpressionColumns(input, compileExpression(opts.where).columns, opts.where, ['where'], problem);
    return input;
  },
  create(opts, context) {
    const condition = compileExpression(opts.where);
    let rows = new Uint32Array(0);
    return operate({
      input: 'records',
      next(records: RecordsBatch, emit) {
        const n = records.length;
        const values = condition.evaluate(records.columns, n);
        if (rows.length < n) rows = new Uint32Array(n);
        let kept = 0;
        for (let i = 0; i < n; i++) if (truthy(values[i])) rows[kept++] = i;
        if (kept < n) context.metrics.count('filtered_out', n - kept);
        emit(takeRows(records, rows, kept));
      },
    });
  },
  examples: [{ title: 'Keeps the samples taken while the harvester output is above 1.8 V', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  powered: { inputs: [node], steps: [ { type: derive, fields: { voltage: "voltage_raw * 3e-9" } }, { type: filter, where: "voltage > 1.8" } ] }
sinks: { console: { type: stdout, inputs: [powered], format: summary } }
` }],
});
