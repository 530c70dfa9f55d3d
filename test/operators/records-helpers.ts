import { type Batch, type ColumnData, type Field, type RecordsBatch, isBinaryColumn, isStringColumn, recordsBatch } from '../../src/core/batch.js';

/** Test helpers: build records batches from plain columns, split them, and flatten operator output. */

export type Columns = Record<string, ColumnData>;

/** One batch with the given fields and columns. */
export function batchOf(fields: Field[], columns: Columns, source = 'test'): RecordsBatch {
  const length = fields.length === 0 ? 0 : columnLength(columns[fields[0].name]);
  return recordsBatch(source, fields, columns, length);
}

function columnLength(column: ColumnData): number {
  if (isStringColumn(column)) return column.codes.length;
  if (isBinaryColumn(column)) return column.offsets.length - 1;
  return column.length;
}

/** Splits one batch into batches of `size` rows (numeric and string columns), with an empty batch first. */
export function split(batch: RecordsBatch, size: number): RecordsBatch[] {
  const out: RecordsBatch[] = [slice(batch, 0, 0)];
  for (let start = 0; start < batch.length; start += size) out.push(slice(batch, start, Math.min(batch.length, start + size)));
  out.push(slice(batch, batch.length, batch.length));
  return out;
}

function slice(batch: RecordsBatch, start: number, end: number): RecordsBatch {
  const columns: Columns = {};
  for (const field of batch.schema.fields) {
    const column = batch.columns[field.name];
    if (isStringColumn(column)) columns[field.name] = { codes: column.codes.slice(start, end), dictionary: column.dictionary };
    else if (isBinaryColumn(column)) throw new Error('split: binary columns not supported in tests');
    else columns[field.name] = column.slice(start, end);
  }
  return recordsBatch(batch.source, batch.schema.fields, columns, end - start);
}

/** Concatenates the rows of records batches into plain arrays per column (strings decoded). */
export function flatten(batches: readonly Batch[]): Record<string, (number | string | bigint)[]> {
  const out: Record<string, (number | string | bigint)[]> = {};
  for (const batch of batches) {
    if (batch.kind !== 'records') throw new Error(`expected records, got ${batch.kind}`);
    for (const field of batch.schema.fields) {
      const column = batch.columns[field.name];
      const list = (out[field.name] ??= []);
      if (isStringColumn(column)) for (const code of column.codes) list.push(column.dictionary[code]);
      else if (isBinaryColumn(column)) throw new Error('flatten: binary column');
      else for (const v of column) list.push(v);
    }
  }
  return out;
}

/** Like flatten, with 64-bit integer values as numbers (exact below 2^53), for comparing with plain lists. */
export function flattenNumbers(batches: readonly Batch[]): Record<string, (number | string)[]> {
  const out: Record<string, (number | string)[]> = {};
  for (const [name, list] of Object.entries(flatten(batches))) out[name] = list.map((v) => (typeof v === 'bigint' ? Number(v) : v));
  return out;
}

/** Total rows over records batches. */
export function rowCount(batches: readonly Batch[]): number {
  return batches.reduce((n, b) => n + (b.kind === 'records' ? b.length : 0), 0);
}

/** The batch sizes the boundary tests use. */
export const SPLITS = [1, 7, 4096] as const;
