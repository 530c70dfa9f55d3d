/**
 * The three batch kinds that flow through a pipeline. Streams carry batches, never single values:
 * a per-item RxJS chain costs tens of nanoseconds per operator per item, a batch of thousands makes
 * that negligible, and columnar batches map one-to-one onto Arrow record batches.
 *
 * A batch does not change once emitted. The constructors below freeze the batch object, its schema
 * and its column map; the Buffers and typed arrays inside cannot be frozen (JavaScript refuses to
 * freeze a typed array that has elements, and a copy per batch would cost what batching saves), so
 * not writing into a received batch's buffers is a rule every operator keeps. `runOperator` in
 * ./standalone.ts checks the rule in every operator test by comparing the input bytes before and after.
 */

export type BatchKind = 'bytes' | 'frames' | 'records';

/** A chunk read from a device, with its host receive time. */
export interface BytesBatch {
  readonly kind: 'bytes';
  /** Id of the source component that read it. */
  readonly source: string;
  readonly data: Buffer;
  /** Host receive time, ns relative to the run's anchor (see Clock). */
  readonly hostTimeNs: number;
}

/** Frames as views into one backing buffer (no copies), each with its own host time. */
export interface FramesBatch {
  readonly kind: 'frames';
  readonly source: string;
  readonly buffer: Buffer;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  /** Host time per frame: receive time of the read that completed it (ns, relative to the anchor). */
  readonly hostTimeNs: Float64Array;
  readonly count: number;
}

export type NumericColumnType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'f64' | 'i64' | 'u64';
export type ColumnType = NumericColumnType | 'string' | 'binary';

/** Strings are dictionary-encoded: one code per row into a shared dictionary. */
export interface StringColumn {
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

/** Variable-length byte strings: row i is data[offsets[i] .. offsets[i+1]). */
export interface BinaryColumn {
  readonly data: Uint8Array;
  readonly offsets: Int32Array;
}

export type NumericColumn =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

export type ColumnData = NumericColumn | StringColumn | BinaryColumn;

/**
 * What a time column means. `host`: ns relative to the run's anchor (sinks write absolute wall-clock
 * timestamps). `device`: ns of device time (unwrapped ticks scaled by a frequency), written as-is.
 */
export type TimeBase = 'host' | 'device';

export interface Field {
  readonly name: string;
  readonly type: ColumnType;
  /** Physical unit, e.g. "V", "A", "W", "ns". */
  readonly unit?: string;
  /** Set on time columns, which hold float64 nanoseconds. */
  readonly time?: TimeBase;
  /** Calibration that produced this column from a raw one: value = raw * gain + offset. */
  readonly calibration?: { readonly raw: string; readonly gain: number; readonly offset: number };
  /** Set on columns computed by `derive`: the expression over other columns, so a reader can recompute it. */
  readonly expression?: string;
  readonly description?: string;
}

export interface Schema {
  readonly fields: readonly Field[];
}

/** Named typed-array columns, all of `length` rows. */
export interface RecordsBatch {
  readonly kind: 'records';
  readonly source: string;
  readonly schema: Schema;
  readonly columns: Readonly<Record<string, ColumnData>>;
  readonly length: number;
}

export type Batch = BytesBatch | FramesBatch | RecordsBatch;

export function bytesBatch(source: string, data: Buffer, hostTimeNs: number): BytesBatch {
  return Object.freeze({ kind: 'bytes', source, data, hostTimeNs });
}

export function framesBatch(
  source: string,
  buffer: Buffer,
  offsets: Uint32Array,
  lengths: Uint32Array,
  hostTimeNs: Float64Array,
): FramesBatch {
  if (offsets.length !== lengths.length || offsets.length !== hostTimeNs.length) {
    throw new Error(`frames batch: offsets (${offsets.length}), lengths (${lengths.length}) and hostTimeNs (${hostTimeNs.length}) differ in length`);
  }
  return Object.freeze({ kind: 'frames', source, buffer, offsets, lengths, hostTimeNs, count: offsets.length });
}

/** Builds a records batch, checking that every field has a column of the declared type and length. */
export function recordsBatch(source: string, fields: readonly Field[], columns: Record<string, ColumnData>, length: number): RecordsBatch {
  for (const field of fields) {
    const column = columns[field.name];
    if (column === undefined) throw new Error(`records batch: field "${field.name}" has no column`);
    const got = columnLength(column);
    if (got !== length) throw new Error(`records batch: column "${field.name}" has ${got} rows, expected ${length}`);
    if (!columnMatchesType(column, field.type)) throw new Error(`records batch: column "${field.name}" is not of type ${field.type}`);
  }
  if (Object.keys(columns).length !== fields.length) {
    const extra = Object.keys(columns).filter((name) => !fields.some((f) => f.name === name));
    throw new Error(`records batch: columns without a field: ${extra.join(', ')}`);
  }
  return Object.freeze({ kind: 'records', source, schema: Object.freeze({ fields: Object.freeze([...fields]) }), columns: Object.freeze({ ...columns }), length });
}

export function isStringColumn(column: ColumnData): column is StringColumn {
  return (column as StringColumn).codes !== undefined;
}

export function isBinaryColumn(column: ColumnData): column is BinaryColumn {
  return (column as BinaryColumn).offsets !== undefined && !ArrayBuffer.isView(column);
}

export function columnLength(column: ColumnData): number {
  if (isStringColumn(column)) return column.codes.length;
  if (isBinaryColumn(column)) return column.offsets.length - 1;
  return column.length;
}

const ARRAY_FOR_TYPE = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  f32: Float32Array,
  f64: Float64Array,
  i64: BigInt64Array,
  u64: BigUint64Array,
} as const;

export type ArrayForType<T extends NumericColumnType> = InstanceType<(typeof ARRAY_FOR_TYPE)[T]>;

/** Allocates a zeroed column of the given numeric type. */
export function allocColumn<T extends NumericColumnType>(type: T, length: number): ArrayForType<T> {
  return new ARRAY_FOR_TYPE[type](length) as ArrayForType<T>;
}

export function columnMatchesType(column: ColumnData, type: ColumnType): boolean {
  if (type === 'string') return isStringColumn(column);
  if (type === 'binary') return isBinaryColumn(column);
  return column instanceof ARRAY_FOR_TYPE[type];
}

/** Returns the numeric column type of a typed array, for operators that derive schemas from data. */
export function typeOfNumericColumn(column: NumericColumn): NumericColumnType {
  for (const [type, ctor] of Object.entries(ARRAY_FOR_TYPE)) {
    if (column instanceof ctor) return type as NumericColumnType;
  }
  throw new Error('not a numeric column');
}

/** Number of items a batch holds: bytes for Bytes, frames for Frames, rows for Records. */
export function itemCount(batch: Batch): number {
  switch (batch.kind) {
    case 'bytes':
      return batch.data.length;
    case 'frames':
      return batch.count;
    case 'records':
      return batch.length;
  }
}

/**
 * Sizes already measured, by batch: a batch is measured at every component boundary and again at a
 * sink's buffer, and a frames or records batch takes a loop to measure. Batches do not change, so
 * the first answer stays right; the map holds batches weakly, so it keeps nothing alive.
 */
const measured = new WeakMap<Batch, number>();

/** Payload size in bytes, used for buffer limits and throughput metrics; measured once per batch. */
export function byteSize(batch: Batch): number {
  if (batch.kind === 'bytes') return batch.data.length;
  let size = measured.get(batch);
  if (size === undefined) {
    size = measureBytes(batch);
    measured.set(batch, size);
  }
  return size;
}

function measureBytes(batch: FramesBatch | RecordsBatch): number {
  switch (batch.kind) {
    case 'frames': {
      let total = 0;
      for (let i = 0; i < batch.count; i++) total += batch.lengths[i];
      return total;
    }
    case 'records': {
      let total = 0;
      for (const column of Object.values(batch.columns)) {
        if (isStringColumn(column)) total += column.codes.byteLength;
        else if (isBinaryColumn(column)) total += column.data.byteLength + column.offsets.byteLength;
        else total += column.byteLength;
      }
      return total;
    }
  }
}

/** The field of a schema by name, or undefined. */
export function findField(schema: Schema, name: string): Field | undefined {
  return schema.fields.find((f) => f.name === name);
}

/** Returns a frame's bytes as a view (no copy). */
export function frameView(batch: FramesBatch, index: number): Buffer {
  const offset = batch.offsets[index];
  return batch.buffer.subarray(offset, offset + batch.lengths[index]);
}

/**
 * A key identifying a records schema's layout (names, types, time bases), for cheap equality checks.
 * Here rather than with the Arrow conversion, so components that only compare layouts do not load
 * apache-arrow with their definition.
 */
export function schemaKey(schema: Schema): string {
  return schema.fields.map((f) => `${f.name}:${f.type}:${f.time ?? ''}`).join(',');
}
