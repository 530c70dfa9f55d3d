import { type ColumnData, type RecordsBatch, isBinaryColumn, isStringColumn, recordsBatch } from '../batch.js';

/**
 * Rows [start, end) of a batch as a new batch. Numeric and string columns are views into the same
 * typed arrays (no copy: batches are immutable, so sharing is safe); binary columns are copied so
 * their offsets start at zero, as Arrow writers expect.
 */
export function sliceRows(batch: RecordsBatch, start: number, end: number): RecordsBatch {
  if (start === 0 && end === batch.length) return batch;
  const columns: Record<string, ColumnData> = {};
  for (const field of batch.schema.fields) {
    const column = batch.columns[field.name];
    if (isStringColumn(column)) columns[field.name] = { codes: column.codes.subarray(start, end), dictionary: column.dictionary };
    else if (isBinaryColumn(column)) {
      const first = column.offsets[start];
      const offsets = new Int32Array(end - start + 1);
      for (let i = 0; i <= end - start; i++) offsets[i] = column.offsets[start + i] - first;
      columns[field.name] = { data: column.data.slice(first, column.offsets[end]), offsets };
    } else columns[field.name] = column.subarray(start, end);
  }
  return recordsBatch(batch.source, batch.schema.fields, columns, end - start);
}
