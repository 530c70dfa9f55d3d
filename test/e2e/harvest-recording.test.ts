import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { simulatorSource } from '../../src/sources/simulator/index.js';
import { FRAME_OVERHEAD, FRAME_START, HEADER_BYTES, SAMPLE_BYTES } from '../../src/sources/simulator/protocol.js';
import { runCli, ROOT } from '../helpers/cli.js';
import { collectSource, concatBytes } from '../helpers/collect.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from '../sinks/recording/fixtures.js';

/**
 * pipelines/harvest.yml (simulator -> frame -> crc -> decode -> rollover -> derive) with its `samples`
 * recorded to Parquet by `pipeline run`, checked with DuckDB against the simulator's own bytes for the
 * same seed, decoded here by hand from the reference frame layout (ticks unwrapped at the u32 wrap).
 */
const SIMULATOR = { device: 'harvester', rate: 'max', seed: 11, frames: 6000, start_ticks: 2 ** 32 - 250 * 1000 } as const;

/** Sums over every sample of the simulator's frames (no faults: frames follow each other exactly). */
function expectedFromBytes(bytes: Buffer) {
  let rows = 0;
  let voltage = 0n;
  let current = 0n;
  let ticks = 0n;
  let wrapped = 0;
  let epoch = 0;
  let previous = -1;
  for (let offset = 0; offset < bytes.length; ) {
    if (bytes[offset] !== FRAME_START) throw new Error(`no frame start at ${offset}`);
    const raw = bytes.readUInt32LE(offset + 4);
    if (raw < previous) epoch += 2 ** 32;
    previous = raw;
    const frameTicks = raw + epoch;
    const payload = bytes.readUInt16LE(offset + 8);
    for (let p = offset + HEADER_BYTES; p < offset + HEADER_BYTES + payload; p += SAMPLE_BYTES) {
      rows++;
      voltage += BigInt(bytes.readUInt32LE(p));
      current += BigInt(bytes.readUInt32LE(p + 4));
      ticks += BigInt(frameTicks);
      if (frameTicks >= 2 ** 32) wrapped++;
    }
    offset += payload + FRAME_OVERHEAD;
  }
  return { rows, voltage, current, ticks, wrapped };
}

const scratch = scratchDirs();

describe('harvest.yml recorded to Parquet', () => {
  it('holds every simulated sample with its types, across file rotation and the u32 tick wrap', async () => {
    const dir = scratch('harvest-recording');
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, 'pipelines/harvest.yml'), 'utf8'));
    for (const [key, value] of Object.entries(SIMULATOR)) doc.setIn(['sources', 'node', key], value);
    // harvest.yml's own recording sink (what it stores, its metadata), with small files and row groups.
    for (const id of ['console', 'live', 'status_line']) doc.deleteIn(['sinks', id]);
    for (const [key, value] of Object.entries({ path: 'recordings/{name}-{seq}.parquet', rotate: { max_bytes: '150KB' }, row_group_size: 20_000 })) doc.setIn(['sinks', 'recording', key], doc.createNode(value));
    const file = path.join(dir, 'harvest.yml');
    fs.writeFileSync(file, doc.toString());

    const run = await runCli(['run', file, '--data-dir', dir, '--log-level', 'warn'], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);

    // What the simulator produces for the same options, computed independently of the pipeline.
    const { batches } = await collectSource(simulatorSource, SIMULATOR);
    const { rows, voltage, current, ticks, wrapped } = expectedFromBytes(concatBytes(batches));
    expect(rows).toBe(150_000);
    expect(wrapped).toBeGreaterThan(0);
    expect(wrapped).toBeLessThan(rows);

    const files = filesEndingWith(path.join(dir, 'recordings'), '.parquet');
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(filesEndingWith(dir, '.partial').concat(filesEndingWith(dir, '.journal'))).toEqual([]);
    await withDuckDB(async (db) => {
      const glob = `'${dir}/recordings/*.parquet'`;
      // The file keeps raw values; voltage, current and power come from the SQL stored in each file.
      const [meta] = await query(db, `SELECT decode(value) AS sql FROM parquet_kv_metadata('${files[0]}') WHERE decode(key) = 'recording.derived_sql'`);
      const view = `(SELECT ${meta.sql as string} FROM ${glob})`;
      // Unwrapped ticks stay below 2^53, so their sum is exact in any order.
      const [got] = await query(db, `SELECT count(*)::INTEGER AS n, sum(voltage_raw)::HUGEINT AS v, sum(current_raw)::HUGEINT AS c, sum(t_ticks)::HUGEINT AS t,
        count(*) FILTER (WHERE t_ticks >= 4294967296)::INTEGER AS wrapped, count(DISTINCT (seq, i))::INTEGER AS distinct_samples,
        count(*) FILTER (WHERE voltage <> voltage_raw::DOUBLE * 3e-9 OR power <> (voltage_raw::DOUBLE * 3e-9) * (current_raw::DOUBLE * 250e-12) OR t_device_ns <> t_ticks * 1000 + i * 10000)::INTEGER AS derived_off FROM ${view}`);
      expect(got).toEqual({ n: rows, v: voltage, c: current, t: ticks, wrapped, distinct_samples: rows, derived_off: 0 });
      const types = await query(db, `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM ${glob})`);
      const fileTypes = Object.fromEntries(types.map((t) => [t.name, t.type]));
      expect(fileTypes).toEqual({
        seq: 'BIGINT',
        t_ticks: 'BIGINT',
        voltage_raw: 'UINTEGER',
        current_raw: 'UINTEGER',
        i: 'UINTEGER',
        host_time: 'TIMESTAMP_NS',
        dropped_frames: 'UINTEGER',
        seq_epoch: 'UINTEGER',
        t_device_ns: 'BIGINT',
      });
      // recording.columns names the very types the file has.
      const [columns] = await query(db, `SELECT decode(value) AS json FROM parquet_kv_metadata('${files[0]}') WHERE decode(key) = 'recording.columns'`);
      const described = JSON.parse(columns.json as string) as { name: string; type: string }[];
      expect(Object.fromEntries(described.map((c) => [c.name, c.type]))).toEqual(fileTypes);
      // Each file on its own is complete and readable, and together they hold each sample once.
      const perFile = await query(db, `SELECT filename, count(*)::INTEGER AS n FROM read_parquet(${glob}, filename = true) GROUP BY filename`);
      expect(perFile.length).toBe(files.length);
      expect(perFile.reduce((sum, f) => sum + (f.n as number), 0)).toBe(rows);
    });
  }, 180_000);
});
