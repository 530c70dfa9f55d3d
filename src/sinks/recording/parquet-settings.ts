import type { Field } from '../../core/batch.js';

/**
 * Parquet writer settings, chosen per column type. Measured with parquet-wasm on 4 columns: the
 * default properties (dictionary everywhere, plain values) encode about 1.7 M rows/s; dictionary off,
 * BYTE_STREAM_SPLIT for floats and DELTA_BINARY_PACKED for integers and time encode about 11 M rows/s
 * into a file half the size. Strings keep dictionary encoding: their values repeat.
 */
export const PARQUET_ENCODINGS = ['plain', 'dictionary', 'byte_stream_split', 'delta_binary_packed', 'delta_length_byte_array', 'delta_byte_array'] as const;
export type ParquetEncodingName = (typeof PARQUET_ENCODINGS)[number];
export const PARQUET_COMPRESSIONS = ['zstd', 'snappy', 'none'] as const;
export type ParquetCompression = (typeof PARQUET_COMPRESSIONS)[number];
/**
 * Which columns get min/max statistics. Computing them is a large share of encoding: measured with
 * parquet-wasm on the harvest schema, statistics on every column cost about a quarter of the encoder's
 * time (integers most), while time columns alone cost about a tenth of that and still let readers skip
 * row groups by time range.
 */
export const PARQUET_STATISTICS = ['time', 'all', 'none'] as const;
export type ParquetStatistics = (typeof PARQUET_STATISTICS)[number];

/** Everything the encoder needs; plain data so it can cross to the worker and be stored in the journal. */
export interface ParquetSettings {
  readonly compression: ParquetCompression;
  readonly rowGroupSize: number;
  /** Encoding per column name. */
  readonly encodings: Readonly<Record<string, ParquetEncodingName>>;
  /** Columns with chunk min/max statistics; absent means every column (journals of earlier versions). */
  readonly statistics?: readonly string[];
  readonly createdBy: string;
  /** File-level key-value metadata. */
  readonly metadata: readonly (readonly [string, string])[];
}

/** The encoding a column gets unless the user overrides it. */
export function defaultEncoding(field: Field): ParquetEncodingName {
  if (field.time) return 'delta_binary_packed';
  switch (field.type) {
    case 'f32':
    case 'f64':
      return 'byte_stream_split';
    case 'string':
      return 'dictionary';
    case 'binary':
      return 'plain';
    default:
      return 'delta_binary_packed';
  }
}

/** Names of the stored columns that get statistics under a `statistics` choice. */
export function statisticsColumns(fields: readonly Field[], choice: ParquetStatistics): string[] {
  if (choice === 'none') return [];
  return fields.filter((field) => choice === 'all' || field.time).map((field) => field.name);
}

/** Encodings for the stored columns: defaults by type, then the user's overrides. */
export function columnEncodings(fields: readonly Field[], overrides: Readonly<Record<string, ParquetEncodingName>>): Record<string, ParquetEncodingName> {
  const encodings: Record<string, ParquetEncodingName> = {};
  for (const field of fields) encodings[field.name] = overrides[field.name] ?? defaultEncoding(field);
  return encodings;
}
