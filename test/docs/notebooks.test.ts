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

const FIELDS: Field[] = [
  { name: 'host_time', type: 'f64', time: 'host' },
  { name: 'seq', type: 'u32' },
  { name: 'i', type: 'u32' },
  { name: 't_ticks', type: 'u32' },
  { name: 't_device_ns', type: 'f64', time: 'device', unit: 'ns' },
  { name: 'voltage_raw', type: 'u32' },
  { name: 'current_raw', type: 'u32' },
  { name: 'voltage', type: 'f64', unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 } },
  { name: 'current', type: 'f64', unit: 'A', calibration: { raw: 'current_raw', gain: 250e-12, offset: 0 } },
  { name: 'power', type: 'f64', unit: 'W' },
  { name: 'dropped_frames', type: 'u32' },
];

/** 2.5 s of 100 kHz samples at 25 per frame, in 0.1 s batches; one frame in 1000 reports a drop. */
function samples(batchIndex: number, node?: string): RecordsBatch {
  const n = 10_000;
  const columns: Record<string, Float64Array | Uint32Array | { codes: Int32Array; dictionary: string[] }> = Object.fromEntries(
    FIELDS.map((f) => [f.name, f.type === 'u32' ? new Uint32Array(n) : new Float64Array(n)]),
  );
  for (let i = 0; i < n; i++) {
    const row = batchIndex * n + i;
    (columns.host_time as Float64Array)[i] = row * 10_000;
    (columns.i as Uint32Array)[i] = row % 25;
    (columns.seq as Uint32Array)[i] = Math.floor(row / 25);
    (columns.t_ticks as Uint32Array)[i] = row * 10;
    (columns.t_device_ns as Float64Array)[i] = row * 10_000;
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
  await record(parquetSink, { path: 'recordings/{name}-{start}.parquet', rotate: { max_bytes: '100KB' } }, Array.from({ length: 25 }, (_, i) => samples(i)), dir, context);
  const testbed = ['1', '2'].flatMap((node) => Array.from({ length: 3 }, (_, i) => samples(i, node)));
  await record(parquetSink, { path: 'recordings/testbed/{name}-{seq}.parquet', partition_by: ['node'] }, testbed, dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('notebook guide and example notebook', () => {
  const guideQueries = queries(GUIDE);
  const notebookQueries = queries(NOTEBOOK.cells.filter((c) => c.cell_type === 'code').map((c) => c.source.join('')).join('\n'));

  it('have DuckDB queries to check', () => {
    expect(guideQueries.length).toBeGreaterThanOrEqual(7);
    expect(notebookQueries.length).toBeGreaterThanOrEqual(5);
  });

  it.each([...new Set([...guideQueries, ...notebookQueries])])('runs: %s', async (sql) => {
    const rows = await withDuckDB((db) => query(db, sql.replaceAll("'recordings/", `'${dir}/recordings/`)));
    expect(rows.length).toBeGreaterThan(0);
  });

  it('gives the numbers the recording holds', async () => {
    await withDuckDB(async (db) => {
      const local = (sql: string) => query(db, sql.replaceAll("'recordings/", `'${dir}/recordings/`));
      const [overview] = await local(guideQueries[0]);
      expect(overview.samples).toBe(250_000n);
      const drops = await local(guideQueries.find((q) => q.includes('dropped'))!);
      expect(drops.reduce((sum, r) => sum + Number(r.dropped), 0)).toBe(10);
      const nodes = await local(guideQueries.find((q) => q.includes('hive_partitioning'))!);
      expect(nodes.map((r) => [String(r.node), r.samples])).toEqual([['1', 30_000n], ['2', 30_000n]]);
      const [config] = await local(guideQueries.find((q) => q.includes("'pipeline.config'"))!);
      expect(config.pipeline_file).toBe(CONFIG);
    });
  });
});
