import {
  type BinaryColumn,
  type ColumnData,
  type NumericColumn,
  type RecordsBatch,
  type Schema,
  type StringColumn,
  isBinaryColumn,
  isStringColumn,
  recordsBatch,
} from '../batch.js';

/**
 * Builds new batches from chosen rows of earlier ones (filter, decimate, lttb). Rows are given as
 * index lists per source batch, so no per-record objects are made; numeric columns are copied with
 * one tight loop each, string columns keep their dictionary when all rows share it.
 */
export interface RowSegment {
  readonly batch: RecordsBatch;
  /** Row indices into `batch`, in output order; only the first `count` are used. */
  readonly rows: Uint32Array;
  readonly count: number;
}

/** True when two schemas have the same column names and types in the same order. */
export function sameLayout(a: Schema, b: Schema): boolean {
  if (a === b) return true;
  if (a.fields.length !== b.fields.length) return false;
  for (let i = 0; i < a.fields.length; i++) {
    if (a.fields[i].name !== b.fields[i].name || a.fields[i].type !== b.fields[i].type) return false;
  }
  return true;
}

/** Concatenates the chosen rows of segments that share one layout (see sameLayout) into one batch. */
export function gatherRows(segments: readonly RowSegment[]): RecordsBatch {
  if (segments.length === 0) throw new Error('gatherRows: no segments');
  const first = segments[0].batch;
  let total = 0;
  for (const s of segments) total += s.count;
  const columns: Record<string, ColumnData> = {};
  for (const field of first.schema.fields) {
    const parts = segments.map((s) => s.batch.columns[field.name]);
    const sample = parts[0];
    if (isStringColumn(sample)) columns[field.name] = gatherStrings(parts as StringColumn[], segments, total);
    else if (isBinaryColumn(sample)) columns[field.name] = gatherBinary(parts as BinaryColumn[], segments, total);
    else columns[field.name] = gatherNumeric(parts as NumericColumn[], segments, total);
  }
  return recordsBatch(first.source, first.schema.fields, columns, total);
}

/** The chosen rows of one batch. */
export function takeRows(batch: RecordsBatch, rows: Uint32Array, count: number): RecordsBatch {
  if (count === batch.length) return batch;
  return gatherRows([{ batch, rows, count }]);
}

function gatherNumeric(parts: NumericColumn[], segments: readonly RowSegment[], total: number): NumericColumn {
  const ctor = parts[0].constructor as new (n: number) => NumericColumn;
  const out = new ctor(total);
  let k = 0;
  for (let s = 0; s < segments.length; s++) {
    const src = parts[s];
    const rows = segments[s].rows;
    const count = segments[s].count;
    for (let i = 0; i < count; i++) out[k++] = src[rows[i]];
  }
  return out;
}

function gatherStrings(parts: StringColumn[], segments: readonly RowSegment[], total: number): StringColumn {
  const codes = new Int32Array(total);
  const shared = parts.every((p) => p.dictionary === parts[0].dictionary);
  const dictionary: string[] = shared ? (parts[0].dictionary as string[]) : [];
  const index = new Map<string, number>();
  let k = 0;
  for (let s = 0; s < segments.length; s++) {
    const { rows, count } = segments[s];
    const part = parts[s];
    for (let i = 0; i < count; i++) {
      const code = part.codes[rows[i]];
      if (shared || code < 0) {
        codes[k++] = code;
        continue;
      }
      // Different dictionaries: re-encode into one merged dictionary.
      const text = part.dictionary[code];
      let merged = index.get(text);
      if (merged === undefined) {
        merged = dictionary.length;
        dictionary.push(text);
        index.set(text, merged);
      }
      codes[k++] = merged;
    }
  }
  return { codes, dictionary };
}

function gatherBinary(parts: BinaryColumn[], segments: readonly RowSegment[], total: number): BinaryColumn {
  const offsets = new Int32Array(total + 1);
  let bytes = 0;
  let k = 0;
  for (let s = 0; s < segments.length; s++) {
    const { rows, count } = segments[s];
    for (let i = 0; i < count; i++) {
      const r = rows[i];
      bytes += parts[s].offsets[r + 1] - parts[s].offsets[r];
      offsets[++k] = bytes;
    }
  }
  const data = new Uint8Array(bytes);
  k = 0;
  for (let s = 0; s < segments.length; s++) {
    const { rows, count } = segments[s];
    const part = parts[s];
    for (let i = 0; i < count; i++) {
      const r = rows[i];
      data.set(part.data.subarray(part.offsets[r], part.offsets[r + 1]), offsets[k++]);
    }
  }
  return { data, offsets };
}
