import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { RecordsBatch } from '../../src/core/batch.js';
import { simulatorSource } from '../../src/sources/simulator/index.js';
import { runCli, ROOT } from '../helpers/cli.js';
import { collectSource } from '../helpers/collect.js';
import { filesEndingWith, query, tempDir, withDuckDB } from '../sinks/recording/fixtures.js';

/**
 * pipelines/harvest.yml with its samples recorded to Parquet by `pipeline run`, checked with DuckDB
 * against what the simulator produces for the same seed. The simulator emits its sample columns
 * directly (emit: records) until the frame/crc/decode chain is part of harvest.yml.
 */
const SIMULATOR = { device: 'harvester', emit: 'records', rate: 'max', seed: 11, frames: 6000, start_ticks: 2 ** 32 - 250 * 1000 } as const;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('harvest.yml recorded to Parquet', () => {
  it('holds every simulated sample with its types, across file rotation and the u32 tick wrap', async () => {
    const dir = tempDir('harvest-recording');
    dirs.push(dir);
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, 'pipelines/harvest.yml'), 'utf8'));
    for (const [key, value] of Object.entries(SIMULATOR)) doc.setIn(['sources', 'node', key], value);
    doc.deleteIn(['sinks']);
    doc.setIn(['sinks', 'recording'], doc.createNode({ type: 'parquet', inputs: ['node'], path: 'recordings/{name}-{seq}.parquet', rotate: { max_bytes: '150KB' }, row_group_size: 20_000 }));
    const file = path.join(dir, 'harvest.yml');
    fs.writeFileSync(file, doc.toString());

    const run = await runCli(['run', file, '--data-dir', dir, '--log-level', 'warn'], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);

    // What the simulator produces for the same options, computed independently of the recording.
    const { batches } = await collectSource(simulatorSource, SIMULATOR);
    let rows = 0;
    let voltage = 0n;
    let current = 0n;
    let ticks = 0n;
    let wrapped = 0;
    for (const batch of batches as RecordsBatch[]) {
      rows += batch.length;
      const v = batch.columns.voltage_raw as Uint32Array;
      const c = batch.columns.current_raw as Uint32Array;
      const t = batch.columns.t_ticks as Uint32Array;
      for (let i = 0; i < batch.length; i++) {
        voltage += BigInt(v[i]);
        current += BigInt(c[i]);
        ticks += BigInt(t[i]);
        if (t[i] < 2 ** 31) wrapped++;
      }
    }
    expect(rows).toBe(150_000);
    expect(wrapped).toBeGreaterThan(0);
    expect(wrapped).toBeLessThan(rows);

    const files = filesEndingWith(path.join(dir, 'recordings'), '.parquet');
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(filesEndingWith(dir, '.partial').concat(filesEndingWith(dir, '.journal'))).toEqual([]);
    await withDuckDB(async (db) => {
      const glob = `'${dir}/recordings/*.parquet'`;
      const [got] = await query(db, `SELECT count(*)::INTEGER AS n, sum(voltage_raw)::HUGEINT AS v, sum(current_raw)::HUGEINT AS c, sum(t_ticks)::HUGEINT AS t,
        count(*) FILTER (WHERE t_ticks < 2147483648)::INTEGER AS wrapped, count(DISTINCT (seq, i))::INTEGER AS distinct_samples FROM ${glob}`);
      expect(got).toEqual({ n: rows, v: voltage, c: current, t: ticks, wrapped, distinct_samples: rows });
      const types = await query(db, `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM ${glob})`);
      expect(Object.fromEntries(types.map((t) => [t.name, t.type]))).toEqual({
        seq: 'USMALLINT',
        t_ticks: 'UINTEGER',
        i: 'UINTEGER',
        voltage_raw: 'UINTEGER',
        current_raw: 'UINTEGER',
        host_time: 'TIMESTAMP_NS',
      });
      // Each file on its own is complete and readable, and together they hold each sample once.
      const perFile = await query(db, `SELECT filename, count(*)::INTEGER AS n FROM read_parquet(${glob}, filename = true) GROUP BY filename`);
      expect(perFile.length).toBe(files.length);
      expect(perFile.reduce((sum, f) => sum + (f.n as number), 0)).toBe(rows);
    });
  }, 180_000);
});
