import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parquetSink } from '../../src/sinks/parquet.js';
import { filesEndingWith, harvestBatch, query, record, tempDir, withDuckDB } from './recording/fixtures.js';

const dirs: string[] = [];
function dataDir(): string {
  const dir = tempDir('parquet-sink');
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Sum of 0..n-1, exact in doubles for the sizes used here. */
const triangle = (n: number) => (n * (n - 1)) / 2;

describe('parquet sink', () => {
  it('keeps types, timestamps, sums and metadata as DuckDB reads them', async () => {
    const dir = dataDir();
    const batches = [harvestBatch(0, 5000), harvestBatch(5000, 7000), harvestBatch(12_000, 3000)];
    const context = await record(parquetSink, { path: 'rec/{name}.parquet' }, batches, dir);
    const files = filesEndingWith(dir, '.parquet');
    expect(files).toEqual([path.join(dir, 'rec', 'test.parquet')]);
    expect(filesEndingWith(dir, '.partial')).toEqual([]);
    expect(filesEndingWith(dir, '.journal')).toEqual([]);
    const anchor = context.clock.anchorWallNs;
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT count(*) AS n, sum(voltage_raw) AS raw, sum(voltage) AS v, min(time) AS t0, max(time) AS t1,
        typeof(any_value(time)) AS tt, typeof(any_value(voltage)) AS vt, typeof(any_value(voltage_raw)) AS rt,
        typeof(any_value(t_device_ns)) AS dt, typeof(any_value(node)) AS nt FROM '${files[0]}'`);
      expect(row.n).toBe(15_000n);
      expect(row.raw).toBe(BigInt(triangle(15_000)));
      expect(row.v).toBe(triangle(15_000) * 0.5);
      expect([row.tt, row.vt, row.rt, row.dt, row.nt]).toEqual(['TIMESTAMP_NS', 'FLOAT', 'UINTEGER', 'BIGINT', 'VARCHAR']);
      expect((row.t0 as { nanos: bigint }).nanos).toBe(anchor);
      expect((row.t1 as { nanos: bigint }).nanos).toBe(anchor + 14_999n * 10_000n);
      const meta = await query(db, `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata('${files[0]}')`);
      const kv = new Map(meta.map((m) => [m.key as string, m.value as string]));
      expect(kv.get('pipeline.name')).toBe('test');
      expect(kv.get('software.version')).toMatch(/^telemetry-pipeline \d/);
      const columns = JSON.parse(kv.get('recording.columns') ?? '[]') as { name: string; unit?: string; calibration?: { gain: number } }[];
      expect(columns.find((c) => c.name === 'voltage')).toMatchObject({ unit: 'V', calibration: { gain: 3e-9 } });
      const encodings = await query(db, `SELECT path_in_schema AS col, encodings, compression FROM parquet_metadata('${files[0]}') WHERE row_group_id = 0`);
      const byColumn = new Map(encodings.map((e) => [e.col, `${e.encodings} ${e.compression}`]));
      expect(byColumn.get('voltage')).toMatch(/BYTE_STREAM_SPLIT.*ZSTD/);
      expect(byColumn.get('time')).toMatch(/DELTA_BINARY_PACKED.*ZSTD/);
      expect(byColumn.get('node')).toMatch(/DICTIONARY/);
    });
  });
});
