import { z } from 'zod';
import { ExpressionError, compileExpression } from '../expression/index.js';

/**
 * The zod schema of pipeline-carried tests: the `tests:` block of a pipeline file, and the same
 * block in a sibling `NAME.test.yml`. Structure only; what needs the pipeline (does `insert_at`
 * name a component, does the input's kind fit it) is checked in ./check.ts.
 */

/** Limits on what a test file controls: it is read and run in full, so every list has a bound. */
export const MAX_TESTS = 500;
export const MAX_INPUTS = 64;
export const MAX_OUTPUTS = 64;
export const MAX_CONDITIONS = 256;
export const MAX_ROWS = 100_000;
export const MAX_VALUES = 100_000;
export const MAX_HEX_CHARS = 2 * 1024 * 1024;
/** 2.5 million samples of the default harvester: enough for a chain, small enough to keep in memory. */
export const MAX_SIMULATED_FRAMES = 100_000;

const COLUMN_TYPES = ['f64', 'f32', 'i64', 'u64', 'i32', 'u32', 'i16', 'u16', 'i8', 'u8', 'string'] as const;
export type RowColumnType = (typeof COLUMN_TYPES)[number];

const hexText = z
  .string()
  .max(MAX_HEX_CHARS)
  .superRefine((text, ctx) => {
    const digits = text.replace(/0x/gi, '').replace(/[\s,]/g, '');
    if (!/^[0-9a-fA-F]*$/.test(digits)) ctx.addIssue({ code: 'custom', message: `not hex: use digits 0-9 and a-f, spaces allowed (got ${JSON.stringify(text.slice(0, 40))})` });
    else if (digits.length % 2 !== 0) ctx.addIssue({ code: 'custom', message: `odd number of hex digits (${digits.length}): each byte is two digits` });
  });

const cell = z.union([z.number(), z.string(), z.boolean()]);

export const testInput = z
  .strictObject({
    insert_at: z.string().min(1).meta({ description: 'Where the input goes in: a source (replaced by this input), a transform (its first step reads it) or a step (`samples/rollover`, `samples/rollover#2`).', examples: ['node', 'samples/decode'] }),
    hex: z
      .union([hexText, z.array(hexText).min(1).max(MAX_VALUES)])
      .optional()
      .meta({ description: 'Bytes as hex, one batch per string (a frames input: one frame per string).', examples: ['7B 01 00 00', ['7B 01', '00 00']] }),
    file: z.string().min(1).optional().meta({ description: 'Bytes from a file, relative to the file the test is written in.', examples: ['data/frames.bin'] }),
    chunk_size: z.number().int().min(1).max(16 * 1024 * 1024).optional().meta({ description: 'Bytes per batch read from `file` (default: the whole file in one batch).', examples: [4096] }),
    simulator: z.record(z.string(), z.unknown()).optional().meta({ description: 'Options of a simulator source that replaces the input: `frames` is required, it runs at rate max.', examples: [{ seed: 1, frames: 40 }] }),
    rows: z
      .array(z.record(z.string(), cell))
      .min(1)
      .max(MAX_ROWS)
      .optional()
      .meta({ description: 'Records as rows, one batch; every row has the same columns.', examples: [[{ seq: 1, t_ticks: 100 }]] }),
    types: z.record(z.string(), z.enum(COLUMN_TYPES)).optional().meta({ description: 'Column types of `rows` (default f64 for numbers, string for text).', examples: [{ seq: 'u16' }] }),
    time: z
      .record(z.string(), z.enum(['device', 'host']))
      .optional()
      .meta({ description: 'Marks columns of `rows` as time columns (float64 ns of device or host time), as derive does.', examples: [{ t_device_ns: 'device' }] }),
  })
  .superRefine((input, ctx) => {
    const given = (['hex', 'file', 'simulator', 'rows'] as const).filter((key) => input[key] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: 'custom', path: given.length > 1 ? [given[1]] : [], message: given.length === 0 ? 'an input needs one of hex, file, simulator or rows' : `an input has one of hex, file, simulator or rows, not both ${given[0]} and ${given[1]}` });
    if (input.chunk_size !== undefined && input.file === undefined) ctx.addIssue({ code: 'custom', path: ['chunk_size'], message: 'chunk_size applies to a file input' });
    for (const key of ['types', 'time'] as const) {
      if (input[key] === undefined) continue;
      if (input.rows === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to a rows input` });
        continue;
      }
      const columns = new Set(input.rows.flatMap((row) => Object.keys(row)));
      for (const name of Object.keys(input[key])) if (!columns.has(name)) ctx.addIssue({ code: 'custom', path: [key, name], message: `"${name}" is not a column of the rows (${[...columns].join(', ')})` });
    }
    for (const name of Object.keys(input.time ?? {})) {
      const type = input.types?.[name];
      if (type !== undefined && type !== 'f64') ctx.addIssue({ code: 'custom', path: ['types', name], message: `time column "${name}" must be f64 (float64 ns)` });
    }
    input.rows?.forEach((row, i) => {
      const first = Object.keys(input.rows![0]);
      const missing = first.filter((name) => !(name in row));
      const extra = Object.keys(row).filter((name) => !first.includes(name));
      if (missing.length > 0 || extra.length > 0) ctx.addIssue({ code: 'custom', path: ['rows', i], message: `every row has the columns of the first (${first.join(', ')}); this one ${missing.length > 0 ? `lacks ${missing.join(', ')}` : `adds ${extra.join(', ')}`}` });
    });
  });

const count = z.union([
  z.number().int().min(0),
  z.strictObject({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() }).refine((c) => c.min !== undefined || c.max !== undefined, 'give min, max or both'),
]);

const CONDITION_KINDS = ['count', 'equals', 'sum', 'every'] as const;

export const condition = z
  .strictObject({
    count: count.optional().meta({ description: 'Number of rows (frames for a frames output, batches for bytes): a number, or { min, max }.', examples: [25, { min: 1 }] }),
    column: z.string().min(1).optional().meta({ description: 'The column `equals` and `sum` read.', examples: ['seq'] }),
    equals: z.array(z.union([z.number(), z.string(), z.boolean()])).max(MAX_VALUES).optional().meta({ description: 'The column\'s values, row by row (all rows, or those from `from` on).', examples: [[0, 1, 2]] }),
    from: z.number().int().min(0).optional().meta({ description: 'First row `equals` compares; given, the rows after the listed ones are not compared.', examples: [0] }),
    sum: z.number().optional().meta({ description: 'Sum of the column over all rows.', examples: [0] }),
    tolerance: z.number().min(0).optional().meta({ description: 'Largest absolute difference `equals` and `sum` accept (default 0: exact).', examples: [1e-9] }),
    every: z.string().min(1).max(10_000).optional().meta({ description: 'A condition in the derive/filter expression grammar that every row must meet.', examples: ['voltage >= 0 && current >= 0'] }),
  })
  .superRefine((c, ctx) => {
    const kinds = CONDITION_KINDS.filter((key) => c[key] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', path: kinds.length > 1 ? [kinds[1]] : [], message: kinds.length === 0 ? `a condition needs one of ${CONDITION_KINDS.join(', ')}` : `one check per condition: ${kinds.join(' and ')} go in separate list items` });
      return;
    }
    const kind = kinds[0];
    const needsColumn = kind === 'equals' || kind === 'sum';
    if (needsColumn && c.column === undefined) ctx.addIssue({ code: 'custom', path: ['column'], message: `${kind} needs the column it reads` });
    if (!needsColumn && c.column !== undefined) ctx.addIssue({ code: 'custom', path: ['column'], message: `column goes with equals or sum, not ${kind}` });
    if (c.tolerance !== undefined && !needsColumn) ctx.addIssue({ code: 'custom', path: ['tolerance'], message: 'tolerance goes with equals or sum' });
    if (c.from !== undefined && kind !== 'equals') ctx.addIssue({ code: 'custom', path: ['from'], message: 'from goes with equals' });
    if (c.every !== undefined) {
      try {
        compileExpression(c.every);
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        ctx.addIssue({ code: 'custom', path: ['every'], message: error.message });
      }
    }
  });

export const testOutput = z.strictObject({
  extract_from: z.string().min(1).meta({ description: 'What is checked: a source, a transform, a side output (`samples.rejected`), a step (`samples/decode`) or a sink (what it would receive).', examples: ['samples', 'frames.rejected'] }),
  conditions: z.array(condition).min(1, 'an output needs at least one condition').max(MAX_CONDITIONS).meta({ description: 'Checks on the rows extracted; all must hold.', examples: [[{ count: 25 }]] }),
});

export const pipelineTest = z.strictObject({
  name: z.string().min(1).max(200).meta({ description: 'What the test shows; printed with its result.', examples: ['one frame decodes to 25 samples'] }),
  inputs: z.array(testInput).min(1, 'a test needs at least one input').max(MAX_INPUTS).meta({ description: 'What goes in, and where. Sources no input replaces give nothing.' }),
  outputs: z.array(testOutput).min(1, 'a test needs at least one output').max(MAX_OUTPUTS).meta({ description: 'What comes out, and what must hold for it. Sinks are never started: their inputs are captured.' }),
});
export type PipelineTest = z.output<typeof pipelineTest>;
export type TestInput = z.output<typeof testInput>;
export type TestOutput = z.output<typeof testOutput>;
export type Condition = z.output<typeof condition>;

// Names are unique across the tests: block and NAME.test.yml together, so ./load.ts checks them.
export const testsBlock = z
  .array(pipelineTest)
  .max(MAX_TESTS)
  .meta({ description: 'Tests the pipeline carries, run by `pipeline test` (see docs/pipeline-tests.md).' });

/** A sibling `NAME.test.yml` holds a `tests:` block and nothing else. */
export const testFile = z.strictObject({ tests: testsBlock });
