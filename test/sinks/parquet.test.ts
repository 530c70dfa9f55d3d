import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { recordsBatch } from '../../src/core/batch.js';
import { standaloneContext } from '../../src/core/standalone.js';
import { parquetSink } from '../../src/sinks/parquet.js';
import { filesEndingWith, scratchDirs, harvestBatch, query, record, withDuckDB } from './recording/fixtures.js';

const scratch = scratchDirs();
const dataDir = () => scratch('parquet-sink');

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

describe('parquet sink with many small batches', () => {
  it('joins batches that wait for the encoder and keeps every row, in order, across a dictionary change', async () => {
    const dir = dataDir();
    const batches = Array.from({ length: 120 }, (_, i) => harvestBatch(i * 250, 250));
    // A batch with its own dictionary cannot join its neighbours; it goes on its own, in its place.
    const odd = harvestBatch(120 * 250, 250);
    const oddNode = { codes: new Int32Array(250), dictionary: ['n9'] };
    batches.push(recordsBatch('node', odd.schema.fields, { ...odd.columns, node: oddNode }, 250));
    for (let i = 121; i < 200; i++) batches.push(harvestBatch(i * 250, 250));
    const context = await record(parquetSink, { path: 'small.parquet' }, batches, dir);
    expect(context.metrics.errors.get('write_failed_rows') ?? 0).toBe(0);
    await withDuckDB(async (db) => {
      const file = `read_parquet('${dir}/small.parquet', file_row_number = true)`;
      const [row] = await query(db, `SELECT count(*) AS n, count(*) FILTER (WHERE voltage_raw <> file_row_number) AS misplaced,
        count(*) FILTER (WHERE node = 'n9') AS n9, min(voltage_raw) FILTER (WHERE node = 'n9') AS n9first, sum(voltage) AS v FROM ${file}`);
      expect(row).toEqual({ n: 50_000n, misplaced: 0n, n9: 250n, n9first: 30_000, v: triangle(50_000) * 0.5 });
    });
  });
});

describe('parquet sink rotation and naming', () => {
  it('rotates by size and keeps every row across files and a u32 tick wrap', async () => {
    const dir = dataDir();
    const tickBase = 2 ** 32 - 300_000; // ticks wrap after 30,000 rows
    const batches = Array.from({ length: 20 }, (_, i) => harvestBatch(i * 5000, 5000, { tickBase }));
    await record(parquetSink, { path: 'rec/{name}-{seq}.parquet', rotate: { max_bytes: '4KB' }, row_group_size: 2000 }, batches, dir);
    const files = filesEndingWith(dir, '.parquet');
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(path.basename(files[0])).toBe('test-0001.parquet');
    let expectedTicks = 0n;
    for (let row = 0; row < 100_000; row++) expectedTicks += BigInt((tickBase + row * 10) >>> 0);
    await withDuckDB(async (db) => {
      const [all] = await query(db, `SELECT count(*) AS n, sum(voltage_raw) AS raw, sum(t_ticks) AS ticks, min(t_ticks) AS lo, max(t_ticks) AS hi,
        max(t_device_ns) AS device FROM read_parquet('${dir}/rec/*.parquet')`);
      expect(all.n).toBe(100_000n);
      expect(all.raw).toBe(BigInt(triangle(100_000)));
      expect(BigInt(all.ticks as bigint)).toBe(expectedTicks);
      expect([all.lo, all.hi]).toEqual([0, 2 ** 32 - 10]);
      expect(all.device).toBe(BigInt(tickBase + 99_999 * 10) * 1000n);
      // Files follow each other in time without overlap.
      const ranges = await query(db, `SELECT filename, min(voltage_raw) AS lo, max(voltage_raw) AS hi FROM read_parquet('${dir}/rec/*.parquet', filename = true) GROUP BY filename ORDER BY lo`);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i].lo).toBe((ranges[i - 1].hi as number) + 1);
    });
  });

  it('rotates by time', async () => {
    const dir = dataDir();
    const context = standaloneContext('parquet', { dataDir: dir, kind: 'sink' });
    const sink = await parquetSink.create(parquetSink.options.parse({ path: '{name}-{seq}.parquet', rotate: { every: '1ms' } }), context);
    for (let i = 0; i < 3; i++) {
      await sink.write(harvestBatch(i * 100, 100));
      await sleep(5);
    }
    await sink.close();
    expect(filesEndingWith(dir, '.parquet').map((f) => path.basename(f))).toEqual(['test-0001.parquet', 'test-0002.parquet', 'test-0003.parquet']);
  });

  it('writes Hive partitions that DuckDB reads as one dataset', async () => {
    const dir = dataDir();
    await record(parquetSink, { path: 'rec/{name}-{node}.parquet', partition_by: ['node'] }, [harvestBatch(0, 2500, { nodeRun: 1000 }), harvestBatch(2500, 500, { nodeRun: 1000 })], dir);
    const files = filesEndingWith(dir, '.parquet').map((f) => path.relative(dir, f));
    expect(files).toEqual([path.join('rec', 'node=n1', 'test-n1.parquet'), path.join('rec', 'node=n2', 'test-n2.parquet')]);
    await withDuckDB(async (db) => {
      const rows = await query(db, `SELECT node, count(*)::INTEGER AS n, sum(voltage_raw)::BIGINT AS raw FROM read_parquet('${dir}/rec/**/*.parquet', hive_partitioning = true) GROUP BY node ORDER BY node`);
      // n1: rows 0-999 and 2000-2999; n2: rows 1000-1999.
      expect(rows).toEqual([
        { node: 'n1', n: 2000, raw: BigInt(triangle(1000) + (triangle(3000) - triangle(2000))) },
        { node: 'n2', n: 1000, raw: BigInt(triangle(2000) - triangle(1000)) },
      ]);
      const columns = await query(db, `SELECT name FROM parquet_schema('${dir}/${files[0]}')`);
      expect(columns.map((c) => c.name)).not.toContain('node');
    });
  });

  it('refuses paths outside the data directory, also through partition values', async () => {
    const dir = dataDir();
    const context = standaloneContext('parquet', { dataDir: dir, kind: 'sink' });
    await expect(parquetSink.create(parquetSink.options.parse({ path: '../escape.parquet' }), context)).rejects.toThrow(/outside the data directory/);
    await expect(parquetSink.create(parquetSink.options.parse({ path: 'x/{nope}.parquet' }), context)).rejects.toThrow(/unknown placeholder \{nope\}/);
    const evil = recordsBatch('node', [{ name: 'node', type: 'string' }, { name: 'v', type: 'f32' }], { node: { codes: Int32Array.of(0), dictionary: ['../../etc'] }, v: Float32Array.of(1) }, 1);
    await record(parquetSink, { path: '{node}.parquet', partition_by: ['node'] }, [evil], dir);
    const files = filesEndingWith(dir, '.parquet');
    expect(files.length).toBe(1);
    expect(files[0].startsWith(dir + path.sep)).toBe(true);
    expect(path.relative(dir, files[0])).toBe(path.join('node=..%2F..%2Fetc', '..%2F..%2Fetc.parquet'));
  });
});

describe('parquet sink options', () => {
  it('writes microsecond timestamps, device time as timestamp, and encoding overrides', async () => {
    const dir = dataDir();
    const context = await record(parquetSink, { path: 'x.parquet', timestamp_unit: 'us', device_time: 'timestamp', encodings: { voltage: 'plain' }, compression: 'snappy' }, [harvestBatch(0, 1000)], dir);
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT typeof(any_value(time)) AS tt, typeof(any_value(t_device_ns)) AS dt, epoch_us(min(time)) AS t0 FROM '${dir}/x.parquet'`);
      expect([row.tt, row.dt]).toEqual(['TIMESTAMP', 'TIMESTAMP']);
      expect(row.t0).toBe(context.clock.anchorWallNs / 1000n);
      const [enc] = await query(db, `SELECT encodings, compression FROM parquet_metadata('${dir}/x.parquet') WHERE path_in_schema = 'voltage'`);
      expect(enc.encodings).not.toMatch(/BYTE_STREAM_SPLIT/);
      expect(enc.compression).toBe('SNAPPY');
    });
  });

  it('writes min/max statistics for time columns by default, for all or no columns when asked', async () => {
    const statsOf = async (dir: string, file: string) =>
      withDuckDB(async (db) => {
        const rows = await query(db, `SELECT path_in_schema AS col, coalesce(stats_min_value, stats_min) AS lo, coalesce(stats_max_value, stats_max) AS hi FROM parquet_metadata('${dir}/${file}') WHERE row_group_id = 0`);
        return new Map(rows.map((r) => [r.col as string, r.lo === null ? null : [r.lo, r.hi]]));
      });
    const dir = dataDir();
    const batch = harvestBatch(0, 1000);
    await record(parquetSink, { path: 'default.parquet' }, [batch], dir);
    await record(parquetSink, { path: 'all.parquet', statistics: 'all' }, [batch], dir);
    const context = await record(parquetSink, { path: 'none.parquet', statistics: 'none' }, [batch], dir);
    const byDefault = await statsOf(dir, 'default.parquet');
    expect(byDefault.get('t_device_ns')).toEqual(['0', String(999 * 10_000)]);
    expect(byDefault.get('time')).not.toBeNull();
    expect(byDefault.get('voltage')).toBeNull();
    // A float minimum of zero is written as -0.0, as the Parquet format asks of writers.
    expect((await statsOf(dir, 'all.parquet')).get('voltage')?.map((v) => Number(v) + 0)).toEqual([0, 999 * 0.5]);
    const none = await statsOf(dir, 'none.parquet');
    expect([none.get('time'), none.get('t_device_ns'), none.get('voltage')]).toEqual([null, null, null]);
    // Statistics only change the footer: the data reads back the same.
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT count(*) AS n, sum(voltage) AS v, min(time) AS t0 FROM '${dir}/none.parquet'`);
      expect(row.n).toBe(1000n);
      expect(row.v).toBe(triangle(1000) * 0.5);
      expect((row.t0 as { nanos: bigint }).nanos).toBe(context.clock.anchorWallNs);
    });
  });

  it('keeps string values when batches carry different dictionaries', async () => {
    const dir = dataDir();
    const fields = [{ name: 'task', type: 'string' as const }];
    const batches = [
      recordsBatch('t', fields, { task: { codes: Int32Array.of(0, 1, 0), dictionary: ['idle', 'net'] } }, 3),
      recordsBatch('t', fields, { task: { codes: Int32Array.of(1, 0), dictionary: ['adc', 'log'] } }, 2),
    ];
    await record(parquetSink, { path: 't.parquet' }, batches, dir);
    await withDuckDB(async (db) => {
      const rows = await query(db, `SELECT task FROM '${dir}/t.parquet'`);
      expect(rows.map((r) => r.task)).toEqual(['idle', 'net', 'idle', 'log', 'adc']);
    });
  });

  it('starts a new file when the schema changes', async () => {
    const dir = dataDir();
    const other = recordsBatch('tasks', [{ name: 'task_id', type: 'u16' }], { task_id: Uint16Array.of(1, 2, 3) }, 3);
    const context = await record(parquetSink, { path: '{name}.parquet' }, [harvestBatch(0, 10), other, harvestBatch(10, 10)], dir);
    expect(context.metrics.counters.get('schema_changes')).toBe(2);
    await withDuckDB(async (db) => {
      const counts = await query(db, `SELECT filename, count(*)::INTEGER AS n FROM read_parquet('${dir}/*.parquet', filename = true, union_by_name = true) GROUP BY ALL ORDER BY filename`);
      expect(counts.map((c) => [path.basename(c.filename as string), c.n])).toEqual([
        ['test-2.parquet', 3],
        ['test-3.parquet', 10],
        ['test.parquet', 10],
      ]);
    });
  });
});

describe('parquet sink after a write failure', () => {
  it('reports the failure on the next write, counts the lost rows, and starts a new file after that', async () => {
    const dir = dataDir();
    fs.writeFileSync(path.join(dir, 'rec'), 'a file where the directory should be');
    const context = standaloneContext('parquet', { dataDir: dir, kind: 'sink' });
    const sink = await parquetSink.create(parquetSink.options.parse({ path: 'rec/{name}-{seq}.parquet' }), context);
    await sink.write(harvestBatch(0, 100)); // accepted; the worker fails to create the file
    let failure: Error | undefined;
    for (let i = 0; i < 200 && !failure; i++) {
      // The failure surfaces on the first write after the worker's reply; small writes may be joined
      // without waiting for the worker, so give it time (bounded loop: at most 200 x 10 ms).
      await Promise.resolve(sink.write(harvestBatch(100, 10))).catch((error: Error) => (failure = error));
      await sleep(10);
    }
    expect(failure?.message).toContain(path.join(dir, 'rec', 'test-0001.parquet'));
    expect(context.metrics.errors.get('write_failed_rows')).toBeGreaterThanOrEqual(100);
    fs.rmSync(path.join(dir, 'rec'));
    fs.mkdirSync(path.join(dir, 'rec'));
    await sink.write(harvestBatch(1000, 500));
    await sink.close();
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT count(*)::INTEGER AS n, min(voltage_raw) AS lo FROM '${dir}/rec/*.parquet'`);
      expect(row).toEqual({ n: 500, lo: 1000 });
    });
  });
});
