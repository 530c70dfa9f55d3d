import { z } from 'zod';
import {
  isBinaryColumn,
  isStringColumn,
  recordsBatch,
  type Batch,
  type ColumnData,
  type FramesBatch,
  type NumericColumn,
  type RecordsBatch,
} from '../core/batch.js';
import { defineOperator } from '../core/component.js';
import { operate } from './operate.js';
import { needColumn } from './schema.js';
import { selectFrames } from './select-frames.js';
import { UINT_BYTES, UINT_READERS, UINT_TYPES } from './uint-field.js';

const value = z.union([z.number(), z.string()]);

const options = z
  .strictObject({
    offset: z.number().int().optional().meta({ description: 'Frames: offset of the value that selects the output; negative counts from the end.', examples: [1] }),
    type: z.enum(UINT_TYPES).default('u8').meta({ description: 'Frames: type of the value at offset.', examples: ['u8'] }),
    field: z.string().optional().meta({ description: 'Records: column whose value selects the output.', examples: ['type'] }),
    routes: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'a snake_case output name'), z.union([value, z.array(value).min(1)])).meta({
      description: 'Output name -> value(s) sent there (address as <transform>.<name>); everything else goes to the main output.',
      examples: [{ samples: 0x01, tasks: 0x02 }],
    }),
  })
  .superRefine((o, ctx) => {
    if ((o.offset === undefined) === (o.field === undefined)) ctx.addIssue({ code: 'custom', path: ['offset'], message: 'route needs either offset (frames) or field (records)' });
    if (Object.keys(o.routes).length === 0) ctx.addIssue({ code: 'custom', path: ['routes'], message: 'route needs at least one route' });
  });

/**
 * Splits one stream into named outputs by a byte value in each frame (frame type 0x01 to samples,
 * 0x02 to task events) or by a column value in records. Unmatched items stay on the main output;
 * frames too short to hold the value are counted as `short` and also stay on the main output.
 */
export const routeOperator = defineOperator({
  type: 'route',
  metrics: { errors: { short: 'frames' } },
  summary: 'Splits frames or records into named outputs by a byte or field value; the rest stays on the main output.',
  options,
  input: (o) => (o.field !== undefined ? 'records' : 'frames'),
  output: (o) => (o.field !== undefined ? 'records' : 'frames'),
  outputs: (o) => Object.fromEntries(Object.keys(o.routes).map((name) => [name, o.field !== undefined ? 'records' : 'frames'])),
  // Records: the main output has the columns that came in (side outputs are not followed).
  schema(o, input, problem) {
    if (input && o.field !== undefined) needColumn(input, o.field, ['field'], problem, false);
    return input;
  },
  create(o, context) {
    const names = Object.keys(o.routes);
    const lookup = new Map<string, number>();
    names.forEach((name, k) => {
      const values = o.routes[name];
      for (const v of Array.isArray(values) ? values : [values]) lookup.set(String(v), k);
    });
    const kind = o.field !== undefined ? 'records' : 'frames';
    const read = UINT_READERS[o.type];
    const size = UINT_BYTES[o.type];
    return operate<Batch>({
      input: kind,
      next(batch, emit) {
        const target = new Int32Array(itemCount(batch)).fill(-1);
        if (batch.kind === 'frames') {
          let short = 0;
          for (let i = 0; i < batch.count; i++) {
            const length = batch.lengths[i];
            const at = o.offset! >= 0 ? o.offset! : length + o.offset!;
            if (at < 0 || at + size > length) short++;
            else target[i] = lookup.get(String(read(batch.buffer, batch.offsets[i] + at))) ?? -1;
          }
          if (short) context.metrics.error('short', short);
        } else if (batch.kind === 'records') {
          const column = batch.columns[o.field!];
          if (column === undefined) throw new Error(`no column "${o.field}" (columns: ${Object.keys(batch.columns).join(', ')})`);
          for (let i = 0; i < batch.length; i++) target[i] = lookup.get(cellText(column, i)) ?? -1;
        }
        const pick = new Uint32Array(target.length);
        for (let k = -1; k < names.length; k++) {
          let n = 0;
          for (let i = 0; i < target.length; i++) if (target[i] === k) pick[n++] = i;
          if (n === 0) continue;
          const part = n === target.length ? batch : subset(batch as FramesBatch | RecordsBatch, pick, n);
          if (k < 0) emit(part);
          else context.emit(names[k], part);
        }
      },
    });
  },
  examples: [{ title: 'Splits one link into harvester and task-switch frames by their type byte', yaml: `
sources: { link: { type: tcp, host: 127.0.0.1, port: 5555 } }
transforms:
  split: { inputs: [link], steps: [ { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }, { type: route, offset: 1, routes: { samples: 1, tasks: 2 } } ] }
sinks:
  samples: { type: stdout, inputs: [split.samples], format: summary }
  tasks: { type: capture, inputs: [link], path: "captures/link-{start}.tpcap" }
` }],
});

function itemCount(batch: Batch): number {
  return batch.kind === 'frames' ? batch.count : batch.kind === 'records' ? batch.length : 0;
}

function cellText(column: ColumnData, row: number): string {
  if (isStringColumn(column)) return column.dictionary[column.codes[row]];
  if (isBinaryColumn(column)) return '';
  return String(column[row]);
}

function subset(batch: FramesBatch | RecordsBatch, pick: Uint32Array, n: number): Batch {
  if (batch.kind === 'frames') return selectFrames(batch, pick, n);
  const columns: Record<string, ColumnData> = {};
  for (const [name, column] of Object.entries(batch.columns)) columns[name] = gather(column, pick, n);
  return recordsBatch(batch.source, batch.schema.fields, columns, n);
}

/** Rows `pick[0, n)` of a column, as a new column of the same type. */
function gather(column: ColumnData, pick: Uint32Array, n: number): ColumnData {
  if (isStringColumn(column)) {
    const codes = new Int32Array(n);
    for (let j = 0; j < n; j++) codes[j] = column.codes[pick[j]];
    return { codes, dictionary: column.dictionary };
  }
  if (isBinaryColumn(column)) {
    const offsets = new Int32Array(n + 1);
    for (let j = 0; j < n; j++) offsets[j + 1] = offsets[j] + column.offsets[pick[j] + 1] - column.offsets[pick[j]];
    const data = new Uint8Array(offsets[n]);
    for (let j = 0; j < n; j++) data.set(column.data.subarray(column.offsets[pick[j]], column.offsets[pick[j] + 1]), offsets[j]);
    return { data, offsets };
  }
  const source = column as NumericColumn;
  const out = new (source.constructor as new (n: number) => NumericColumn)(n);
  for (let j = 0; j < n; j++) out[j] = source[pick[j]];
  return out;
}
