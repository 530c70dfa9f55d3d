import fs from 'node:fs';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from './fixtures.js';

const scratch = scratchDirs();

const FRAMES = 2000;
/** One fixed file name per sink (no {seq} or {start}): two runs at once want the very same names. */
const PIPELINE = `name: same
sources: { node: { type: simulator, emit: records, frames: ${FRAMES} } }
sinks:
  pq: { type: parquet, inputs: [node], path: "recordings/same.parquet" }
  ar: { type: arrow, inputs: [node], path: "recordings/same.arrows" }
`;

describe('two pipelines started together on one file name template', () => {
  it('both record, each to its own file', async () => {
    const dir = scratch('same-template');
    const file = path.join(dir, 'same.yml');
    fs.writeFileSync(file, PIPELINE);
    const args = ['run', file, '--data-dir', dir, '--log-level', 'warn'];
    const [first, second] = await Promise.all([runCli(args, { timeoutMs: 60_000 }), runCli(args, { timeoutMs: 60_000 })]);
    expect(first.stderr + second.stderr).not.toMatch(/EEXIST/);
    expect([first.code, second.code]).toEqual([0, 0]);
    const recordings = path.join(dir, 'recordings');
    expect(fs.readdirSync(recordings).sort()).toEqual(['same-2.arrows', 'same-2.parquet', 'same.arrows', 'same.parquet']);
    await withDuckDB(async (db) => {
      for (const parquet of filesEndingWith(recordings, '.parquet')) {
        const [row] = await query(db, `SELECT count(*)::INTEGER AS n FROM '${parquet}'`);
        expect(row.n).toBe(FRAMES * 25);
      }
    });
    for (const arrows of filesEndingWith(recordings, '.arrows')) expect(tableFromIPC(fs.readFileSync(arrows)).numRows).toBe(FRAMES * 25);
  }, 120_000);
});
