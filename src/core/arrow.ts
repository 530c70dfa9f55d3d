import * as arrow from 'apache-arrow';
import { type ColumnData, type Field, type NumericColumnType, type RecordsBatch, type Schema, isBinaryColumn, isStringColumn } from './batch.js';
import type { Clock } from './clock.js';
import { type TimeUnit, toInt64Time } from './int64-time.js';
import { int64ToFloat64 } from './records/int64.js';

/**
 * Records batches as Arrow record batches, for the recording sinks (Parquet, Arrow IPC); the live view
 * sends its own simpler encoding (src/sinks/websocket/encode.ts).
 * Numeric columns are wrapped without copying (the Arrow vector shares the typed array), strings stay
 * dictionary-encoded, binary columns keep their offsets. Only time columns are rebuilt, because files
 * hold absolute int64 timestamps while the pipeline holds float64 ns relative to the run's anchor.
 */
export interface ArrowConversion {
  /** Unit of Timestamp columns (ns default; us or ms for readers that cannot take ns). */
  readonly timestampUnit?: TimeUnit;
  /** `time: 'device'` columns as plain int64 ns (default) or as Timestamp in `timestampUnit`. */
  readonly deviceTime?: 'int64' | 'timestamp';
  /** Columns to leave out (e.g. Hive partition columns, which live in the directory name). */
  readonly omit?: readonly string[];
  /** Schema-level key-value metadata. */
  readonly metadata?: ReadonlyMap<string, string>;
}

const NUMERIC_TYPES: Record<NumericColumnType, () => arrow.DataType> = {
  u8: () => new arrow.Uint8(),
  i8: () => new arrow.Int8(),
  u16: () => new arrow.Uint16(),
  i16: () => new arrow.Int16(),
  u32: () => new arrow.Uint32(),
  i32: () => new arrow.Int32(),
  f32: () => new arrow.Float32(),
  f64: () => new arrow.Float64(),
  i64: () => new arrow.Int64(),
  u64: () => new arrow.Uint64(),
};

const TIMESTAMP_TYPES: Record<TimeUnit, () => arrow.DataType> = {
  ns: () => new arrow.TimestampNanosecond(),
  us: () => new arrow.TimestampMicrosecond(),
  ms: () => new arrow.TimestampMillisecond(),
};

/** How a time column is stored: Timestamp in a unit, or int64 ns. */
function timeStorage(field: Field, options: ArrowConversion): { timestamp: boolean; unit: TimeUnit } {
  if (field.time === 'device' && (options.deviceTime ?? 'int64') === 'int64') return { timestamp: false, unit: 'ns' };
  return { timestamp: true, unit: options.timestampUnit ?? 'ns' };
}

function arrowType(field: Field, index: number, options: ArrowConversion): arrow.DataType {
  if (field.time) return timeStorage(field, options).timestamp ? TIMESTAMP_TYPES[timeStorage(field, options).unit]() : new arrow.Int64();
  if (field.type === 'string') return new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32(), index);
  if (field.type === 'binary') return new arrow.Binary();
  return NUMERIC_TYPES[field.type]();
}

/** Field metadata that readers keep next to the column: unit, calibration, time base. */
function fieldMetadata(field: Field): Map<string, string> {
  const metadata = new Map<string, string>();
  if (field.unit) metadata.set('unit', field.unit);
  if (field.time) metadata.set('time', field.time);
  if (field.calibration) metadata.set('calibration', JSON.stringify(field.calibration));
  if (field.description) metadata.set('description', field.description);
  return metadata;
}

/** The Arrow schema a records schema converts to (same options as {@link recordsToArrow}). */
export function arrowSchema(schema: Schema, options: ArrowConversion = {}): arrow.Schema {
  const omit = new Set(options.omit ?? []);
  const fields = schema.fields
    .filter((f) => !omit.has(f.name))
    .map((f, i) => new arrow.Field(f.name, arrowType(f, i, options), false, fieldMetadata(f)));
  return new arrow.Schema(fields, new Map(options.metadata ?? []));
}

// Dictionaries are shared by many batches (decoders reuse them); build each Arrow vector once.
const dictionaryVectors = new WeakMap<readonly string[], arrow.Vector<arrow.Utf8>>();

function dictionaryVector(dictionary: readonly string[]): arrow.Vector<arrow.Utf8> {
  let vector = dictionaryVectors.get(dictionary);
  if (!vector) {
    vector = arrow.vectorFromArray([...dictionary], new arrow.Utf8());
    dictionaryVectors.set(dictionary, vector);
  }
  return vector;
}

function columnData(field: Field, type: arrow.DataType, column: ColumnData, length: number, clock: Clock, options: ArrowConversion): arrow.Data {
  if (field.time) {
    const { timestamp, unit } = timeStorage(field, options);
    const offset = field.time === 'host' ? clock.anchorWallNs : 0n;
    // Device time already held as int64 ns is stored as it is, without a conversion pass.
    if (column instanceof BigInt64Array && offset === 0n && (!timestamp || unit === 'ns')) return arrow.makeData({ type: type as arrow.Int64, length, data: column });
    const ns = column instanceof BigInt64Array || column instanceof BigUint64Array ? int64ToFloat64(column) : (column as Float64Array);
    const values = toInt64Time(ns, offset, timestamp ? unit : 'ns');
    return arrow.makeData({ type: type as arrow.Int64, length, data: values });
  }
  if (isStringColumn(column)) {
    return arrow.makeData({ type: type as arrow.Dictionary<arrow.Utf8, arrow.Int32>, length, data: column.codes, dictionary: dictionaryVector(column.dictionary) });
  }
  if (isBinaryColumn(column)) {
    return arrow.makeData({ type: type as arrow.Binary, length, data: column.data, valueOffsets: column.offsets });
  }
  return arrow.makeData({ type: type as arrow.Int32, length, data: column as Int32Array });
}

/**
 * Converts a records batch to an Arrow record batch. Pass `schema` (from {@link arrowSchema}) to reuse
 * one schema object for many batches, e.g. all batches of one file.
 *
 * @example
 * const batch = recordsToArrow(records, context.clock, { timestampUnit: 'us' });
 * const bytes = arrow.tableToIPC(new arrow.Table(batch), 'stream');
 */
export function recordsToArrow(batch: RecordsBatch, clock: Clock, options: ArrowConversion = {}, schema = arrowSchema(batch.schema, options)): arrow.RecordBatch {
  const children = schema.fields.map((arrowField) => {
    const field = batch.schema.fields.find((f) => f.name === arrowField.name);
    if (!field) throw new Error(`arrow: column "${arrowField.name}" is not in the batch from ${batch.source}`);
    return columnData(field, arrowField.type, batch.columns[field.name], batch.length, clock, options);
  });
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: batch.length, children, nullCount: 0 });
  return new arrow.RecordBatch(schema, struct);
}

