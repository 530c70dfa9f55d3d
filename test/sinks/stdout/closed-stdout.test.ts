import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliProcess } from '../../helpers/cli-process.js';
import { runCli } from '../../helpers/cli.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from '../recording/fixtures.js';

const scratch = scratchDirs();

/** Records every row to Parquet and prints each row's seq to stdout. */
const RECORD_AND_PRINT = `name: piped
sources: { node: { type: simulator, emit: records } }
sinks:
  pq: { type: parquet, inputs: [node], path: "recordings/piped.parquet" }
  out: { type: stdout, inputs: [node], format: jsonl, columns: [seq] }
`;

function pipelineIn(dir: string, text: string): string {
  const file = path.join(dir, 'p.yml');
  fs.writeFileSync(file, text);
  return file;
}

/** The "items in" column of a component's line in the end-of-run table. */
function itemsIn(stderr: string, id: string): number {
  const line = new RegExp(`^${id}\\s+\\S+\\s+(\\d+)\\s`, 'm').exec(stderr);
  if (!line) throw new Error(`no counters line for ${id} in:\n${stderr}`);
  return Number(line[1]);
}

/** Every row of the Parquet files below `dir`, read back with DuckDB. */
async function rowsRecorded(dir: string): Promise<number> {
  const files = filesEndingWith(dir, '.parquet');
  expect(files.length).toBe(1);
  return withDuckDB(async (db) => Number((await query(db, `SELECT count(*)::BIGINT AS n FROM '${files[0]}'`))[0].n));
}

describe('stdout sink when standard output goes away', () => {
  it('stops printing (logged once, counted) while the recording goes on and closes valid', async () => {
    const dir = scratch('stdout-closed');
    const run = new CliProcess(['run', pipelineIn(dir, RECORD_AND_PRINT), '--data-dir', dir, '--duration', '3s', '--log-level', 'info']);
    try {
      await run.waitFor(/^\{"seq":\d+\}$/m);
      // Like `| head -1`: the reader closes its end of the pipe.
      run.child.stdout!.destroy();
      expect(await run.exited).toBe(0);
    } finally {
      await run.stop('SIGKILL');
    }
    expect(run.stderr.match(/standard output was closed by its reader \(EPIPE\)/g)).toHaveLength(1);
    expect(run.stderr).toMatch(/^run ended after/m);
    expect(run.stderr).toMatch(/^out\s+stdout\s.*output_closed=1.*discarded_items=\d+/m);
    expect(filesEndingWith(dir, '.partial')).toEqual([]);
    expect(filesEndingWith(dir, '.journal')).toEqual([]);
    // Every row the recording took is in its file.
    const recorded = await rowsRecorded(dir);
    expect(recorded).toBeGreaterThan(0);
    expect(recorded).toBe(itemsIn(run.stderr, 'pq'));
  }, 90_000);

  it('ends the run when every sink writes to standard output', async () => {
    const dir = scratch('stdout-only');
    const run = new CliProcess(['run', pipelineIn(dir, 'sources: { node: { type: simulator, emit: records } }\nsinks: { out: { type: stdout, inputs: [node], format: jsonl } }\n'), '--log-level', 'info']);
    try {
      await run.waitFor(/^\{"seq":/m);
      run.child.stdout!.destroy();
      expect(await run.exited).toBe(0);
    } finally {
      await run.stop('SIGKILL');
    }
    expect(run.stderr).toMatch(/every sink writes to it: stopping/);
    expect(run.stderr).toMatch(/^run ended after/m);
  }, 90_000);

  it('fails the sink naming it on a write error other than EPIPE (a full disk), and the recording still closes valid', async () => {
    const dir = scratch('stdout-full');
    const full = fs.openSync('/dev/full', 'w');
    let result;
    try {
      result = await runCli(['run', pipelineIn(dir, RECORD_AND_PRINT), '--data-dir', dir, '--duration', '20s', '--log-level', 'warn'], { stdout: full, timeoutMs: 60_000 });
    } finally {
      fs.closeSync(full);
    }
    expect(result.stderr).toMatch(/error: component "out" failed: out: cannot write standard output: disk full \(ENOSPC\)/);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^out\s+stdout\s.*output_write_failed=1/m);
    expect(filesEndingWith(dir, '.partial')).toEqual([]);
    expect(await rowsRecorded(dir)).toBe(itemsIn(result.stderr, 'pq'));
  }, 90_000);
});
