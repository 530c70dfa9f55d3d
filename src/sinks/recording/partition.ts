import { type ColumnData, type RecordsBatch, findField, isBinaryColumn, isStringColumn, recordsBatch } from '../../core/batch.js';

/** The rows of a batch that share one combination of partition values. */
export interface PartitionSlice {
  /** Partition values by column, in `partition_by` order. */
  readonly values: ReadonlyMap<string, string>;
  /** A key identifying the combination. */
  readonly key: string;
  readonly batch: RecordsBatch;
}

function valueAt(column: ColumnData, row: number): string {
  if (isStringColumn(column)) return column.dictionary[column.codes[row]] ?? '';
  if (isBinaryColumn(column)) return Buffer.from(column.data.subarray(column.offsets[row], column.offsets[row + 1])).toString('hex');
  return String(column[row]);
}

function gather(column: ColumnData, rows: Int32Array): ColumnData {
  if (isStringColumn(column)) return { codes: rows.map((r) => column.codes[r]), dictionary: column.dictionary };
  if (isBinaryColumn(column)) {
    const offsets = new Int32Array(rows.length + 1);
    for (let i = 0; i < rows.length; i++) offsets[i + 1] = offsets[i] + column.offsets[rows[i] + 1] - column.offsets[rows[i]];
    const data = new Uint8Array(offsets[rows.length]);
    for (let i = 0; i < rows.length; i++) data.set(column.data.subarray(column.offsets[rows[i]], column.offsets[rows[i] + 1]), offsets[i]);
    return { data, offsets };
  }
  // Same element type in and out; indexing through a common array type keeps bigint columns working.
  const source = column as unknown as { [i: number]: number };
  const out = new (column.constructor as new (n: number) => { [i: number]: number })(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = source[rows[i]];
  return out as unknown as ColumnData;
}

/**
 * Splits a batch by the values of the partition columns. The common case, one value per batch (one
 * node per source), passes the batch through without copying.
 */
export function splitByPartition(batch: RecordsBatch, partitionBy: readonly string[]): PartitionSlice[] {
  if (partitionBy.length === 0) return [{ values: new Map(), key: '', batch }];
  for (const name of partitionBy) {
    if (!findField(batch.schema, name)) throw new Error(`partition_by: column "${name}" is not in the records from ${batch.source} (columns: ${batch.schema.fields.map((f) => f.name).join(', ')})`);
  }
  const columns = partitionBy.map((name) => batch.columns[name]);
  const keyOf = (row: number) => columns.map((c) => valueAt(c, row)).join('\u0000');
  const groups = new Map<string, number[]>();
  const first = keyOf(0);
  let uniform = true;
  for (let row = 1; row < batch.length && uniform; row++) uniform = keyOf(row) === first;
  if (uniform) groups.set(first, []);
  else for (let row = 0; row < batch.length; row++) {
    const key = keyOf(row);
    const list = groups.get(key);
    if (list) list.push(row);
    else groups.set(key, [row]);
  }
  return [...groups].map(([key, rows]) => {
    const sample = uniform ? 0 : rows[0];
    const values = new Map(partitionBy.map((name, i) => [name, valueAt(columns[i], sample)]));
    if (uniform) return { values, key, batch };
    const index = Int32Array.from(rows);
    const gathered = Object.fromEntries(batch.schema.fields.map((f) => [f.name, gather(batch.columns[f.name], index)]));
    return { values, key, batch: recordsBatch(batch.source, batch.schema.fields, gathered, rows.length) };
  });
}
