import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Field, type RecordsBatch, recordsBatch } from '../../src/core/batch.js';
import { standaloneContext } from '../../src/core/standalone.js';
import { parquetSink } from '../../src/sinks/parquet.js';
import { query, record, tempDir, withDuckDB } from '../sinks/recording/fixtures.js';

/**
 * Every DuckDB query in docs/notebooks.md and examples/harvest.ipynb runs against real recordings
 * written by the parquet sink: one pipeline's files and a partitioned testbed dataset.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const GUIDE = fs.readFileSync(path.join(ROOT, 'docs/notebooks.md'), 'utf8');
const NOTEBOOK = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/harvest.ipynb'), 'utf8')) as { cells: { cell_type: string; source: string[] }[] };
const CONFIG = 'name: harvest\nsources:\n  node: { type: simulator, device: harvester }\n';

/** The columns of pipelines/harvest.yml's samples, with the types and expressions its steps give. */
const FIELDS: Field[] = [
  { name: 'host_time', type: 'f64', time: 'host' },
  { name: 'seq', type: 'i64' },
  { name: 'i', type: 'u32' },
  { name: 't_ticks', type: 'i64' },
  { name: 'dropped_frames', type: 'u32' },
  { name: 't_device_ns', type: 'i64', time: 'device', unit: 'ns', expression: 't_ticks * 1000 + i * 10000' },
  { name: 'voltage_raw', type: 'u32' },
  { name: 'current_raw', type: 'u32' },
  { name: 'voltage', type: 'f64', unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 }, expression: 'voltage_raw * 3e-9' },
  { name: 'current', type: 'f64', unit: 'A', calibration: { raw: 'current_raw', gain: 250e-12, offset: 0 }, expression: 'current_raw * 250e-12' },
  { name: 'power', type: 'f64', unit: 'W', expression: 'voltage * current' },
];
const ARRAYS = { f64: Float64Array, u32: Uint32Array, i64: BigInt64Array } as const;

/** 2.5 s of 100 kHz samples at 25 per frame, in 0.1 s batches; one frame in 1000 reports a drop. */
function samples(batchIndex: number, node?: string): RecordsBatch {
  const n = 10_000;
  const columns: Record<string, Float64Array | Uint32Array | BigInt64Array | { codes: Int32Array; dictionary: string[] }> = Object.fromEntries(
    FIELDS.map((f) => [f.name, new ARRAYS[f.type as keyof typeof ARRAYS](n)]),
  );
  for (let i = 0; i < n; i++) {
    const row = batchIndex * n + i;
    (columns.host_time as Float64Array)[i] = row * 10_000;
    (columns.i as Uint32Array)[i] = row % 25;
    (columns.seq as BigInt64Array)[i] = BigInt(Math.floor(row / 25));
    (columns.t_ticks as BigInt64Array)[i] = BigInt(Math.floor(row / 25) * 250);
    (columns.t_device_ns as BigInt64Array)[i] = BigInt(row * 10_000);
    (columns.voltage_raw as Uint32Array)[i] = 600_000_000 + (row % 1000);
    (columns.current_raw as Uint32Array)[i] = 40_000_000;
    (columns.voltage as Float64Array)[i] = (600_000_000 + (row % 1000)) * 3e-9;
    (columns.current as Float64Array)[i] = 40_000_000 * 250e-12;
    (columns.power as Float64Array)[i] = (columns.voltage as Float64Array)[i] * (columns.current as Float64Array)[i];
    (columns.dropped_frames as Uint32Array)[i] = row % 25_000 === 0 ? 1 : 0;
  }
  if (!node) return recordsBatch('node', FIELDS, columns, n);
  columns.node = { codes: new Int32Array(n), dictionary: [node] };
  return recordsBatch(node, [...FIELDS, { name: 'node', type: 'string' }], columns, n);
}

/** The SQL of ```sql blocks and of duckdb.sql("""...""") strings. */
function queries(text: string): string[] {
  const blocks = [...text.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]);
  const strings = [...text.matchAll(/\.sql\(\s*"""([\s\S]*?)"""\s*\)/g)].map((m) => m[1]);
  return [...blocks, ...strings].map((q) => q.trim().replace(/;$/, ''));
}

let dir: string;
beforeAll(async () => {
  dir = tempDir('notebooks');
  const context = { ...standaloneContext('recording', { dataDir: dir, kind: 'sink', type: 'parquet' }), pipeline: { name: 'harvest', file: 'pipelines/harvest.yml', configText: CONFIG } };
  // What harvest.yml's recording sink does: raw values stored, derived columns in the metadata.
  await record(parquetSink, { path: 'recordings/{name}-{start}.parquet', rotate: { max_bytes: '100KB' }, derived: 'metadata' }, Array.from({ length: 25 }, (_, i) => samples(i)), dir, context);
  const testbed = ['1', '2'].flatMap((node) => Array.from({ length: 3 }, (_, i) => samples(i, node)));
  await record(parquetSink, { path: 'recordings/testbed/{name}-{seq}.parquet', partition_by: ['node'], derived: 'metadata' }, testbed, dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('notebook guide and example notebook', () => {
  const guideQueries = queries(GUIDE);
  const notebookQueries = queries(NOTEBOOK.cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join('')).join('\n'));

  it('have DuckDB queries to check', () => {
    expect(guideQueries.length).toBeGreaterThanOrEqual(7);
    expect(notebookQueries.length).toBeGreaterThanOrEqual(5);
  });

  // The view that applies the stored calibration; the other queries run after it, as in a session.
  const view = guideQueries.find((q) => q.includes('CREATE VIEW harvest AS FROM query'))!;
  const inDir = (sql: string) => sql.replaceAll("'recordings/", `'${dir}/recordings/`);
  const afterView = (sql: string) => (sql === view ? `${view}; SELECT * FROM harvest` : /\bharvest\b(?!-)|getvariable/.test(sql) && !sql.startsWith('SET VARIABLE') ? `${view}; ${sql}` : sql);

  it.each([...new Set([...guideQueries, ...notebookQueries])])('runs: %s', async (sql) => {
    const rows = await withDuckDB((db) => query(db, inDir(afterView(sql))));
    expect(rows.length).toBeGreaterThan(0);
  });

  it('gives the calibrated values from the stored SQL, the same as the one-line view, and buckets by device time', async () => {
    const oneLine = /`(CREATE VIEW harvest AS SELECT [^`]*);`/.exec(GUIDE)![1];
    await withDuckDB(async (db) => {
      await query(db, inDir(view));
      await query(db, inDir(oneLine.replace('VIEW harvest', 'VIEW harvest_literal')));
      const [diff] = await query(db, `SELECT count(*)::INTEGER AS n, count(*) FILTER (WHERE a.voltage IS DISTINCT FROM b.voltage OR a.current IS DISTINCT FROM b.current OR a.power IS DISTINCT FROM b.power
        OR a.voltage <> (600000000 + a.voltage_raw - 600000000) * 3e-9)::INTEGER AS off FROM harvest a JOIN harvest_literal b USING (t_device_ns)`);
      expect(diff).toEqual({ n: 250_000, off: 0 });
      // 100 samples per millisecond of device time; host time would give one bucket per read instead.
      const ms = await query(db, guideQueries.find((q) => q.includes('// 1000000 AS ms'))!);
      expect(ms).toHaveLength(2500);
      expect(new Set(ms.map((r) => r.voltage)).size).toBeGreaterThan(1);
    });
  });

  it('gives the numbers the recording holds', async () => {
    await withDuckDB(async (db) => {
      await query(db, inDir(view));
      const local = (sql: string) => query(db, inDir(sql));
      const [overview] = await local(guideQueries.find((q) => q.includes('AS samples, min(host_time)'))!);
      expect(overview.samples).toBe(250_000n);
      const drops = await local(guideQueries.find((q) => q.includes('dropped'))!);
      expect(drops.reduce((sum, r) => sum + Number(r.dropped), 0)).toBe(10);
      const nodes = await local(guideQueries.find((q) => q.includes('hive_partitioning') && q.includes('GROUP BY node'))!);
      expect(nodes.map((r) => [String(r.node), r.samples])).toEqual([['1', 30_000n], ['2', 30_000n]]);
      const [config] = await local(guideQueries.find((q) => q.includes("'pipeline.config'"))!);
      expect(config.pipeline_file).toBe(CONFIG);
    });
  });
});
