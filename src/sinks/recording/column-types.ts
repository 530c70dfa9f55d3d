import type { ColumnType, Field } from '../../core/batch.js';
import type { TimeUnit } from '../../core/int64-time.js';

/**
 * Column types as a reader of the file sees them, named as DuckDB names them (what `DESCRIBE`
 * shows), for `recording.columns` in a recording's metadata: time columns become TIMESTAMP_NS (or
 * TIMESTAMP / TIMESTAMP_MS for us / ms) or BIGINT ns, strings VARCHAR, and so on.
 */
const SQL_TYPES: Record<ColumnType, string> = {
  u8: 'UTINYINT',
  i8: 'TINYINT',
  u16: 'USMALLINT',
  i16: 'SMALLINT',
  u32: 'UINTEGER',
  i32: 'INTEGER',
  u64: 'UBIGINT',
  i64: 'BIGINT',
  f32: 'FLOAT',
  f64: 'DOUBLE',
  string: 'VARCHAR',
  binary: 'BLOB',
};

const TIMESTAMP_TYPES: Record<TimeUnit, string> = { ns: 'TIMESTAMP_NS', us: 'TIMESTAMP', ms: 'TIMESTAMP_MS' };

export interface TimeStorage {
  readonly timestampUnit: TimeUnit;
  readonly deviceTime: 'int64' | 'timestamp';
}

/** The type a field has in a recording written with `storage` (Arrow and Parquet alike). */
export function sqlColumnType(field: Field, storage: TimeStorage = { timestampUnit: 'ns', deviceTime: 'int64' }): string {
  if (field.time === 'device' && storage.deviceTime === 'int64') return 'BIGINT';
  if (field.time) return TIMESTAMP_TYPES[storage.timestampUnit];
  return SQL_TYPES[field.type];
}
