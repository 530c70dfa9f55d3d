import { type Batch, type ColumnData, type RecordsBatch, frameView, isBinaryColumn, isStringColumn, recordsBatch } from '../batch.js';
import { compileExpression, truthy } from '../expression/index.js';
import type { Condition } from './schema.js';

type Value = number | bigint | string;

/**
 * Checks one condition against what a capture collected and returns the first difference, or
 * undefined when it holds. Frames and bytes are checked as rows too: one per frame (or per bytes
 * batch), with the columns `length` and `hex`.
 */
export function firstDifference(condition: Condition, batches: readonly Batch[]): string | undefined {
  const tables = batches.map(asRecords);
  const rows = tables.reduce((n, t) => n + t.length, 0);
  if (condition.count !== undefined) return countDifference(condition.count, rows);
  if (condition.every !== undefined) return everyDifference(condition.every, tables);
  const column = condition.column!;
  const missing = tables.find((t) => !(column in t.columns));
  if (missing) return `column "${column}" does not exist (columns: ${missing.schema.fields.map((f) => f.name).join(', ') || '(none)'})`;
  const tolerance = condition.tolerance ?? 0;
  if (condition.sum !== undefined) {
    let sum = 0;
    for (const value of values(tables, column)) sum += Number(value);
    return close(condition.sum, sum, tolerance) ? undefined : `sum of column ${column}: expected ${condition.sum}${within(tolerance)}, got ${sum} (${rows} row${rows === 1 ? '' : 's'})`;
  }
  return equalsDifference(column, condition.equals!, condition.from, tolerance, tables, rows);
}

function countDifference(count: NonNullable<Condition['count']>, rows: number): string | undefined {
  if (typeof count === 'number') return rows === count ? undefined : `count: expected ${count} rows, got ${rows}`;
  if (count.min !== undefined && rows < count.min) return `count: expected at least ${count.min} rows, got ${rows}`;
  if (count.max !== undefined && rows > count.max) return `count: expected at most ${count.max} rows, got ${rows}`;
  return undefined;
}

function equalsDifference(column: string, expected: readonly (number | string | boolean)[], from: number | undefined, tolerance: number, tables: readonly RecordsBatch[], rows: number): string | undefined {
  const start = from ?? 0;
  let row = 0;
  for (const got of values(tables, column)) {
    if (row >= start) {
      const k = row - start;
      if (k >= expected.length) {
        if (from !== undefined) return undefined;
        return `column ${column}: expected ${expected.length} rows, got ${rows}; row ${row} is extra: ${show(got)}`;
      }
      if (!same(expected[k], got, tolerance)) return `column ${column}, row ${row}: expected ${show(expected[k])}${within(tolerance)}, got ${show(got)}`;
    }
    row++;
  }
  if (row < start + expected.length) return `column ${column}: expected ${start + expected.length} rows or more, got ${rows}; row ${row} is missing (expected ${show(expected[row - start] ?? expected[0])})`;
  return undefined;
}

function everyDifference(text: string, tables: readonly RecordsBatch[]): string | undefined {
  const expression = compileExpression(text);
  let base = 0;
  for (const table of tables) {
    let result: Float64Array;
    try {
      result = expression.evaluate(table.columns, table.length);
    } catch (error) {
      return (error as Error).message;
    }
    for (let i = 0; i < table.length; i++) {
      if (!truthy(result[i])) {
        const shown = expression.columns.map((name) => `${name}=${show(valueAt(table.columns[name], i))}`).join(', ');
        return `row ${base + i} does not meet "${text}"${shown ? `: ${shown}` : ''}`;
      }
    }
    base += table.length;
  }
  return undefined;
}

function same(expected: number | string | boolean, got: Value, tolerance: number): boolean {
  const want = typeof expected === 'boolean' ? Number(expected) : expected;
  if (typeof got === 'string' || typeof want === 'string') return String(want) === String(got);
  if (typeof got === 'bigint' && tolerance === 0 && Number.isInteger(want)) return BigInt(want) === got;
  return close(want, Number(got), tolerance);
}

function close(expected: number, got: number, tolerance: number): boolean {
  if (Number.isNaN(expected) || Number.isNaN(got)) return Number.isNaN(expected) && Number.isNaN(got);
  return expected === got || Math.abs(expected - got) <= tolerance;
}

function within(tolerance: number): string {
  return tolerance > 0 ? ` ± ${tolerance}` : '';
}

function show(value: Value | boolean): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function* values(tables: readonly RecordsBatch[], column: string): Generator<Value> {
  for (const table of tables) {
    const data = table.columns[column];
    for (let i = 0; i < table.length; i++) yield valueAt(data, i);
  }
}

function valueAt(column: ColumnData | undefined, row: number): Value {
  if (column === undefined) return '';
  if (isStringColumn(column)) return column.dictionary[column.codes[row]];
  if (isBinaryColumn(column)) return Buffer.from(column.data.subarray(column.offsets[row], column.offsets[row + 1])).toString('hex');
  return column[row];
}

/** A batch as rows: records as they are, frames and bytes as `length` and `hex` columns. */
function asRecords(batch: Batch): RecordsBatch {
  if (batch.kind === 'records') return batch;
  const parts = batch.kind === 'frames' ? Array.from({ length: batch.count }, (_, i) => frameView(batch, i)) : [batch.data];
  const hex = parts.map((p) => p.toString('hex'));
  return recordsBatch(
    batch.source,
    [
      { name: 'length', type: 'f64' },
      { name: 'hex', type: 'string' },
    ],
    { length: Float64Array.from(parts, (p) => p.length), hex: { codes: Int32Array.from(hex, (_, i) => i), dictionary: hex } },
    parts.length,
  );
}
