import * as arrow from 'apache-arrow';
import { type ColumnData, type ColumnType, type Field, type NumericColumn, type RecordsBatch, recordsBatch, schemaKey } from './batch.js';
import type { Clock } from './clock.js';
import { recordsToArrow } from './arrow.js';

/**
 * Records batches as self-contained Arrow IPC streams (schema, one record batch, end marker), the
 * message format between pipelines over a broker: every message decodes alone, so a redelivery, a
 * replay or a second consumer needs no state. Host time travels as absolute ns timestamps and comes
 * back relative to the receiving pipeline's anchor; device time travels as int64 ns.
 */
export function encodeRecordsMessage(batch: RecordsBatch, clock: Clock): Uint8Array {
  const table = new arrow.Table(recordsToArrow(batch, clock, { timestampUnit: 'ns', deviceTime: 'int64' }));
  return arrow.tableToIPC(table, 'stream');
}

/** A short stable fingerprint of a records schema's layout (names, types, time bases). */
export function schemaFingerprint(batch: RecordsBatch): string {
  // FNV-1a over the layout key: cheap, stable across processes and versions of this program.
  let hash = 0x811c9dc5;
  const key = schemaKey(batch.schema);
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** Our numeric column type for an Arrow integer or float type, or undefined. */
function numericType(type: arrow.DataType): ColumnType | undefined {
  if (arrow.DataType.isInt(type)) {
    const bits = type.bitWidth;
    if (bits !== 8 && bits !== 16 && bits !== 32 && bits !== 64) return undefined;
    return `${type.isSigned ? 'i' : 'u'}${bits}` as ColumnType;
  }
  if (arrow.DataType.isFloat(type)) {
    if (type.precision === arrow.Precision.SINGLE) return 'f32';
    if (type.precision === arrow.Precision.DOUBLE) return 'f64';
  }
  return undefined;
}

/** Thrown for bytes that are not one Arrow IPC stream of records this program can read. */
export class MessageFormatError extends Error {
  readonly code = 'E_MESSAGE_FORMAT';
}

/**
 * Decodes one message made by {@link encodeRecordsMessage} into a records batch with `source`.
 * Columns of types the pipeline has no column for are refused with the column's name.
 */
export function decodeRecordsMessage(bytes: Uint8Array, clock: Clock, source: string): RecordsBatch {
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(bytes);
  } catch (error) {
    throw new MessageFormatError(`not an Arrow IPC stream (${(error as Error).message})`);
  }
  if (table.batches.length !== 1) throw new MessageFormatError(`expected one record batch per message, got ${table.batches.length}`);
  const recordBatch = table.batches[0];
  const fields: Field[] = [];
  const columns: Record<string, ColumnData> = {};
  recordBatch.schema.fields.forEach((arrowField, index) => {
    const data = recordBatch.data.children[index];
    const { field, column } = toColumn(arrowField, data, clock);
    fields.push(field);
    columns[field.name] = column;
  });
  return recordsBatch(source, fields, columns, recordBatch.numRows);
}

function fieldFromMetadata(arrowField: arrow.Field, type: ColumnType): Field {
  const meta = arrowField.metadata;
  const time = meta.get('time');
  const calibration = meta.get('calibration');
  return {
    name: arrowField.name,
    type,
    ...(meta.has('unit') ? { unit: meta.get('unit') } : {}),
    ...(time === 'host' || time === 'device' ? { time } : {}),
    ...(calibration ? { calibration: JSON.parse(calibration) } : {}),
    ...(meta.has('description') ? { description: meta.get('description') } : {}),
  };
}

function toColumn(arrowField: arrow.Field, data: arrow.Data, clock: Clock): { field: Field; column: ColumnData } {
  const length = data.length;
  const type = data.type;
  const time = arrowField.metadata.get('time');
  if (time === 'host' || time === 'device') {
    const int64 = arrow.DataType.isInt(type) && type.bitWidth === 64 && type.isSigned;
    if (!arrow.DataType.isTimestamp(type) && !int64) throw new MessageFormatError(`time column "${arrowField.name}" is ${type}, expected int64 or timestamp`);
    if (arrow.DataType.isTimestamp(type) && type.unit !== arrow.TimeUnit.NANOSECOND) throw new MessageFormatError(`time column "${arrowField.name}" is not in nanoseconds`);
    const offset = time === 'host' ? clock.anchorWallNs : 0n;
    return { field: fieldFromMetadata(arrowField, 'f64'), column: fromInt64Time(data.values as BigInt64Array, length, offset) };
  }
  if (arrow.DataType.isDictionary(type)) {
    const dictionary = data.dictionary;
    if (!arrow.DataType.isUtf8(type.dictionary) || !dictionary) throw new MessageFormatError(`column "${arrowField.name}": only string dictionaries are supported`);
    const codes = toInt32Codes(data.values as NumericColumn, length);
    return { field: fieldFromMetadata(arrowField, 'string'), column: { codes, dictionary: dictionary.toArray() as string[] } };
  }
  if (arrow.DataType.isBinary(type)) {
    const offsets = (data.valueOffsets as Int32Array).subarray(0, length + 1);
    return { field: fieldFromMetadata(arrowField, 'binary'), column: { data: data.values as Uint8Array, offsets } };
  }
  const numeric = numericType(type);
  if (numeric === undefined) throw new MessageFormatError(`column "${arrowField.name}" has type ${type}, which the pipeline has no column for`);
  if (data.nullCount > 0) throw new MessageFormatError(`column "${arrowField.name}" has nulls, which the pipeline has no column for`);
  return { field: fieldFromMetadata(arrowField, numeric), column: (data.values as NumericColumn).subarray(0, length) as ColumnData };
}

function toInt32Codes(values: NumericColumn, length: number): Int32Array {
  if (values instanceof Int32Array) return values.subarray(0, length);
  return Int32Array.from(values.subarray(0, length) as ArrayLike<number>);
}

const TWO_32 = 4294967296;

/**
 * Absolute int64 ns to float64 ns relative to `offsetNs`, without a BigInt per row: the difference
 * of the two 32-bit halves is exact in doubles while the result stays below 2^53 (104 days of ns).
 */
export function fromInt64Time(values: BigInt64Array, length: number, offsetNs: bigint): Float64Array {
  const out = new Float64Array(length);
  const words = new Uint32Array(values.buffer, values.byteOffset, length * 2);
  const offsetHi = Number(offsetNs >> 32n);
  const offsetLo = Number(offsetNs & 0xffffffffn);
  for (let i = 0; i < length; i++) {
    const lo = words[2 * i];
    const hi = words[2 * i + 1] | 0; // signed high word, as int64 has
    out[i] = (hi - offsetHi) * TWO_32 + (lo - offsetLo);
  }
  return out;
}
