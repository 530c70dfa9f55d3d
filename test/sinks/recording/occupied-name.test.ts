import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliProcess } from '../../helpers/cli-process.js';
import { runCli } from '../../helpers/cli.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from './fixtures.js';

const scratch = scratchDirs();

/** Records from the simulator into one Parquet file per second (pq-0001, pq-0002, ...). */
const PIPELINE = `name: occupied
sources: { node: { type: simulator, emit: records } }
sinks: { pq: { type: parquet, inputs: [node], path: "recordings/pq-{seq}.parquet", rotate: { every: 1s } } }
`;

describe('a recording whose final name is taken while it is written', () => {
  it('fails naming the file, closes each descriptor once, and recover completes it under a new name', async () => {
    const dir = scratch('occupied');
    fs.writeFileSync(path.join(dir, 'rec.yml'), PIPELINE);
    const run = new CliProcess(['run', path.join(dir, 'rec.yml'), '--data-dir', dir, '--duration', '20s', '--log-level', 'info']);
    try {
      await run.waitFor(/"file":"[^"]*pq-0002\.parquet","msg":"recording opened"/);
      // Something else takes the name the open file gets when it closes: its rename fails (EISDIR).
      const occupied = path.join(dir, 'recordings', 'pq-0002.parquet');
      fs.mkdirSync(path.join(occupied, 'x'), { recursive: true });
      expect(await run.exited).toBe(1);
    } finally {
      await run.stop('SIGKILL');
    }
    expect(run.stderr).toMatch(/cannot rename \S*pq-0002\.parquet\.partial: .*EISDIR/);
    // Node warns when a worker closes a descriptor it no longer has: the number may be another file's by then.
    expect(run.stderr).not.toMatch(/closed but not opened/);

    const journal = path.join(dir, 'recordings', 'pq-0002.parquet.journal');
    expect(fs.existsSync(journal)).toBe(true);
    const recovered = await runCli(['recover', path.join(dir, 'recordings')]);
    expect(recovered.stdout).not.toMatch(/already complete/);
    const line = /recovered (\d+) rows: \S*pq-0002\.parquet\.journal -> (\S*pq-0002-2\.parquet) \((.*)\)/.exec(recovered.stdout);
    expect(line, recovered.stdout + recovered.stderr).not.toBeNull();
    expect(line![3]).toMatch(/pq-0002\.parquet is taken by something else/);
    expect(recovered.code).toBe(0);
    // What occupied the name is left alone, the leftovers are gone only now that their rows are in a file.
    expect(fs.existsSync(path.join(dir, 'recordings', 'pq-0002.parquet', 'x'))).toBe(true);
    expect(fs.existsSync(journal)).toBe(false);
    expect(filesEndingWith(dir, '.partial')).toEqual([]);
    const rows = Number(line![1]);
    expect(rows).toBeGreaterThan(0);
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT count(*)::INTEGER AS n FROM '${line![2]}'`);
      expect(row.n).toBe(rows);
    });
    // A second recover finds nothing: recovery is done once.
    const again = await runCli(['recover', path.join(dir, 'recordings')]);
    expect(again.stdout).toMatch(/nothing to recover/);
    expect(again.code).toBe(0);
  }, 120_000);
});
