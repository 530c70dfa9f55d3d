import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/**
 * What is in a recording (one file or a directory of them): schema, rows, time range, metadata and
 * per-column min/max/null counts. Parquet is read with DuckDB, Arrow IPC streams with apache-arrow.
 */
export interface ColumnReport {
  readonly name: string;
  readonly type: string;
  readonly min: string | null;
  readonly max: string | null;
  readonly nulls: number;
}

export interface InspectReport {
  readonly format: 'parquet' | 'arrow';
  readonly files: string[];
  readonly rows: number;
  readonly columns: ColumnReport[];
  /** Host time: first and last value of the first timestamp column (when the data was received). */
  readonly time_range?: { readonly column: string; readonly first: string; readonly last: string };
  /**
   * Device time: smallest and largest value (ns) of the first column the recording's metadata marks
   * as device time, and the span in seconds: what the device measured, which a replay at full speed
   * squeezes into milliseconds of host time.
   */
  readonly device_time_range?: { readonly column: string; readonly first_ns: string; readonly last_ns: string; readonly span_s: number };
  /** Key-value metadata of the first file (Arrow's own schema blob left out). */
  readonly metadata: Record<string, string>;
  readonly head: Record<string, string | null>[];
}

/** Lists the recording files `target` names: the file itself, or every recording below a directory. */
export function recordingFiles(target: string): { format: 'parquet' | 'arrow'; files: string[] } {
  if (!fs.existsSync(target)) throw new Error(`inspect: ${target} does not exist`);
  const all = fs.statSync(target).isDirectory() ? (fs.readdirSync(target, { recursive: true }) as string[]).map((f) => path.join(target, f)).sort() : [target];
  const parquet = all.filter((f) => f.endsWith('.parquet'));
  if (parquet.length > 0) return { format: 'parquet', files: parquet };
  const arrows = all.filter((f) => f.endsWith('.arrows') || f.endsWith('.arrow'));
  if (arrows.length > 0) return { format: 'arrow', files: arrows };
  throw new Error(`inspect: no .parquet or .arrows files in ${target}`);
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

async function rows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await connection.runAndReadAll(sql)).getRowObjects() as Record<string, unknown>[];
}

async function inspectParquet(files: string[], headRows: number): Promise<InspectReport> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const source = `read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = true, union_by_name = true)`;
    const schema = await rows(connection, `DESCRIBE SELECT * FROM ${source}`);
    const names = schema.map((c) => c.column_name as string);
    const aggregates = names.flatMap((n, i) => [`min(${ident(n)})::VARCHAR AS min${i}`, `max(${ident(n)})::VARCHAR AS max${i}`, `(count(*) - count(${ident(n)}))::BIGINT AS nulls${i}`]);
    const [stats] = await rows(connection, `SELECT count(*)::BIGINT AS n${aggregates.length ? ', ' + aggregates.join(', ') : ''} FROM ${source}`);
    const columns = schema.map((c, i) => ({ name: names[i], type: c.column_type as string, min: stats[`min${i}`] as string | null, max: stats[`max${i}`] as string | null, nulls: Number(stats[`nulls${i}`]) }));
    const kv = await rows(connection, `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${sqlString(files[0])})`);
    const metadata = Object.fromEntries(kv.filter((m) => m.key !== 'ARROW:schema').map((m) => [m.key as string, m.value as string]));
    const head = headRows > 0 ? await rows(connection, `SELECT ${names.map((n) => `${ident(n)}::VARCHAR AS ${ident(n)}`).join(', ')} FROM ${source} LIMIT ${headRows}`) : [];
    return { format: 'parquet', files, rows: Number(stats.n), columns, ...timeRanges(columns, metadata), metadata, head: head as Record<string, string | null>[] };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function timeRanges(columns: ColumnReport[], metadata: Record<string, string>): Pick<InspectReport, 'time_range' | 'device_time_range'> {
  const host = columns.find((c) => c.type.startsWith('TIMESTAMP') || c.type.startsWith('Timestamp'));
  const deviceName = deviceTimeColumn(metadata);
  const device = columns.find((c) => c.name === deviceName);
  return {
    ...(host && host.min !== null && host.max !== null ? { time_range: { column: host.name, first: host.min, last: host.max } } : {}),
    ...(device && device.min !== null && device.max !== null
      ? { device_time_range: { column: device.name, first_ns: device.min, last_ns: device.max, span_s: (Number(device.max) - Number(device.min)) / 1e9 } }
      : {}),
  };
}

/** The first column `recording.columns` marks as device time, if any. */
function deviceTimeColumn(metadata: Record<string, string>): string | undefined {
  try {
    const columns = JSON.parse(metadata['recording.columns'] ?? '[]') as { name?: unknown; time?: unknown }[];
    const found = columns.find((c) => c.time === 'device' && typeof c.name === 'string');
    return found?.name as string | undefined;
  } catch {
    return undefined;
  }
}

/** A display string for one Arrow value: timestamps as ISO with all their digits, others as text. */
function arrowValue(type: arrow.DataType, raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (arrow.DataType.isTimestamp(type)) {
    const perSecond = { [arrow.TimeUnit.SECOND]: 1n, [arrow.TimeUnit.MILLISECOND]: 1000n, [arrow.TimeUnit.MICROSECOND]: 1_000_000n, [arrow.TimeUnit.NANOSECOND]: 1_000_000_000n }[type.unit];
    const value = BigInt(raw as bigint);
    const seconds = value / perSecond;
    const fraction = (value % perSecond).toString().padStart(perSecond.toString().length - 1, '0');
    return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ')}${fraction ? '.' + fraction : ''}`;
  }
  if (raw instanceof Uint8Array) return Buffer.from(raw).toString('hex');
  return String(raw);
}

function inspectArrow(files: string[], headRows: number): InspectReport {
  const tables = files.map((f) => arrow.tableFromIPC(fs.readFileSync(f)));
  const schema = tables[0].schema;
  const columns = schema.fields.map((field) => {
    let min: unknown = null;
    let max: unknown = null;
    let nulls = 0;
    for (const table of tables) {
      const vector = table.getChild(field.name);
      if (!vector) continue;
      for (const data of vector.data) {
        nulls += data.nullCount;
        const typed = arrow.DataType.isTimestamp(field.type) ? (data.values as BigInt64Array) : undefined;
        const chunk = arrow.makeVector(data);
        for (let i = 0; i < data.length; i++) {
          const value = typed ? typed[i] : chunk.get(i);
          if (value === null) continue;
          if (min === null || (value as number) < (min as number)) min = value;
          if (max === null || (value as number) > (max as number)) max = value;
        }
      }
    }
    return { name: field.name, type: String(field.type), min: arrowValue(field.type, min), max: arrowValue(field.type, max), nulls };
  });
  const head: Record<string, string | null>[] = [];
  for (const table of tables) {
    for (let i = 0; i < table.numRows && head.length < headRows; i++) {
      head.push(Object.fromEntries(schema.fields.map((f) => {
        const vector = table.getChild(f.name)!;
        return [f.name, arrowValue(f.type, arrow.DataType.isTimestamp(f.type) ? timestampAt(vector, i) : vector.get(i))];
      })));
    }
  }
  const rowsTotal = tables.reduce((sum, t) => sum + t.numRows, 0);
  const metadata = Object.fromEntries(schema.metadata);
  return { format: 'arrow', files, rows: rowsTotal, columns, ...timeRanges(columns, metadata), metadata, head };
}

/** The raw int64 of a timestamp row (Vector.get would turn it into ms). */
function timestampAt(vector: arrow.Vector, row: number): bigint {
  let offset = row;
  for (const data of vector.data) {
    if (offset < data.length) return (data.values as BigInt64Array)[offset];
    offset -= data.length;
  }
  throw new RangeError(`row ${row} out of range`);
}

/** Inspects a recording file or directory; `headRows` > 0 also returns the first rows. */
export async function inspectRecording(target: string, headRows = 0): Promise<InspectReport> {
  const { format, files } = recordingFiles(target);
  return format === 'parquet' ? inspectParquet(files, headRows) : inspectArrow(files, headRows);
}
