import { PipelineFileMistake } from '../pipeline-file-mistake.js';
import {
  type ColumnData,
  type Field,
  type NumericColumn,
  type RecordsBatch,
  type Schema,
  findField,
  isBinaryColumn,
  isStringColumn,
  recordsBatch,
} from '../batch.js';
import { int64ToFloat64 } from './int64.js';

/**
 * Column access and batch rebuilding for operators on Records batches. Every lookup that can fail
 * lists the columns that do exist, so a typo in a pipeline file is obvious. `what` prefixes the
 * message; operators leave it out, as the runner already names the failing step.
 */

const prefix = (what: string | undefined): string => (what ? `${what}: ` : '');

/** Names of a schema's columns, for error messages. */
export function columnList(schema: Schema): string {
  return schema.fields.map((f) => f.name).join(', ') || '(none)';
}

/** The field named `name`, or an error that names the component, the option and the known columns. */
export function requireField(batch: RecordsBatch, name: string, what?: string): Field {
  const field = findField(batch.schema, name);
  if (!field) throw new PipelineFileMistake(`${prefix(what)}column "${name}" does not exist (columns: ${columnList(batch.schema)})`);
  return field;
}

/** A numeric column by name; string and binary columns are refused with a message that says so. */
export function numericColumn(batch: RecordsBatch, name: string, what?: string): NumericColumn {
  const field = requireField(batch, name, what);
  const column = batch.columns[field.name];
  if (isStringColumn(column) || isBinaryColumn(column)) {
    throw new Error(`${prefix(what)}column "${name}" is a ${field.type} column; a numeric column is needed`);
  }
  return column;
}

/** A numeric column whose elements are JS numbers (not BigInt). */
export type NumberColumn = Exclude<NumericColumn, BigInt64Array | BigUint64Array>;

/**
 * A numeric column by name, with 64-bit integer columns converted to float64 (exact below 2^53),
 * so loops read plain numbers and stay monomorphic in what they read.
 */
export function numberColumn(batch: RecordsBatch, name: string, what?: string): NumberColumn {
  const column = numericColumn(batch, name, what);
  return column instanceof BigInt64Array || column instanceof BigUint64Array ? asFloat64(column) : column;
}

/** Reads any numeric column as float64 (BigInt columns are converted, so exact only below 2^53). */
export function asFloat64(column: NumericColumn): Float64Array {
  if (column instanceof Float64Array) return column;
  if (column instanceof BigInt64Array || column instanceof BigUint64Array) return int64ToFloat64(column);
  const out = new Float64Array(column.length);
  out.set(column);
  return out;
}

/** A column to put into an output batch: its field and its data. */
export interface OutputColumn {
  readonly field: Field;
  readonly data: ColumnData;
}

/**
 * Builds a batch from `batch` with columns replaced in place (same position) or appended, and
 * optionally some removed. The input batch is not touched; unchanged columns are shared.
 */
export function withColumns(batch: RecordsBatch, changes: readonly OutputColumn[], remove: readonly string[] = []): RecordsBatch {
  const fields: Field[] = [];
  const columns: Record<string, ColumnData> = {};
  const pending = new Map(changes.map((c) => [c.field.name, c]));
  for (const field of batch.schema.fields) {
    if (remove.includes(field.name)) continue;
    const change = pending.get(field.name);
    if (change) {
      fields.push(change.field);
      columns[field.name] = change.data;
      pending.delete(field.name);
    } else {
      fields.push(field);
      columns[field.name] = batch.columns[field.name];
    }
  }
  for (const change of pending.values()) {
    fields.push(change.field);
    columns[change.field.name] = change.data;
  }
  return recordsBatch(batch.source, fields, columns, batch.length);
}

/** The time column to use: the one named, else the first device-time column, else the first host-time one. */
export function resolveTimeField(schema: Schema, name: string | undefined, what?: string): Field {
  if (name !== undefined) {
    const field = findField(schema, name);
    if (!field) throw new PipelineFileMistake(`${prefix(what)}time column "${name}" does not exist (columns: ${columnList(schema)})`);
    return field;
  }
  const field = schema.fields.find((f) => f.time === 'device') ?? schema.fields.find((f) => f.time === 'host');
  if (!field) throw new Error(`${prefix(what)}no time column (a field with time: device or host); name one with the "time" option (columns: ${columnList(schema)})`);
  return field;
}
