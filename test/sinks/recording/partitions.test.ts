import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from './fixtures.js';

const scratch = scratchDirs();

/** Partitions by `seq`: a new value, so a new file, for every frame of 25 rows. */
function pipeline(frames: number, sinkOptions: string): string {
  return `name: part
sources: { node: { type: simulator, device: harvester, emit: records, frames: ${frames} } }
sinks: { rec: { type: parquet, inputs: [node], path: "recordings/p.parquet", partition_by: [seq]${sinkOptions} } }
`;
}

async function run(dir: string, text: string) {
  const file = path.join(dir, 'part.yml');
  fs.writeFileSync(file, text);
  return runCli(['run', file, '--data-dir', dir, '--log-level', 'warn'], { timeoutMs: 150_000 });
}

/** Rows per seq over every file below `dir`, read as one Hive-partitioned dataset. */
async function rowsBySeq(dir: string): Promise<Map<number, number>> {
  return withDuckDB(async (db) => {
    const rows = await query(db, `SELECT seq::INTEGER AS seq, count(*)::INTEGER AS n FROM read_parquet('${dir}/recordings/**/*.parquet', hive_partitioning = true) GROUP BY seq`);
    return new Map(rows.map((r) => [r.seq as number, r.n as number]));
  });
}

/** The "items in" column of a component's line in the end-of-run table. */
function itemsIn(stderr: string, id: string): number {
  return Number(new RegExp(`^${id}\\s+\\S+\\s+(\\d+)\\s`, 'm').exec(stderr)?.[1] ?? NaN);
}

describe('parquet partition_by on a column with a new value per frame', () => {
  it('keeps at most max_open_files open, closing the least recently written, and every row ends in a valid file', async () => {
    const dir = scratch('partitions-lru');
    const result = await run(dir, pipeline(100, ', max_open_files: 4'));
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^rec\s+parquet\s.*files_evicted=96 files_closed=100/m);
    expect(filesEndingWith(dir, '.partial')).toEqual([]);
    expect(filesEndingWith(dir, '.journal')).toEqual([]);
    expect(filesEndingWith(dir, '.parquet')).toHaveLength(100);
    const bySeq = await rowsBySeq(dir);
    expect(bySeq.size).toBe(100);
    expect([...bySeq.values()].every((n) => n === 25)).toBe(true);
  }, 180_000);

  it('stops with an error naming max_partitions past the limit (default 256), with every accepted row in a valid file', async () => {
    const dir = scratch('partitions-limit');
    // More frames than the 742 open files at which the encoder used to trap.
    const result = await run(dir, pipeline(1000, ''));
    expect(result.stderr).toMatch(/error: component "rec" failed: rec: partition_by \[seq\] has more than 256 distinct values \(max_partitions\)/);
    expect(result.stderr).not.toMatch(/unreachable|recording worker failed/);
    expect(result.code).toBe(1);
    expect(filesEndingWith(dir, '.partial')).toEqual([]);
    expect(filesEndingWith(dir, '.journal')).toEqual([]);
    const bySeq = await rowsBySeq(dir);
    expect(bySeq.size).toBeLessThanOrEqual(256);
    expect([...bySeq.values()].every((n) => n === 25)).toBe(true);
    const recorded = [...bySeq.values()].reduce((a, b) => a + b, 0);
    expect(recorded).toBeGreaterThan(0);
    expect(recorded).toBe(itemsIn(result.stderr, 'rec'));
  }, 180_000);
});
