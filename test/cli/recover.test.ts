import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliProcess } from '../helpers/cli-process.js';
import { runCli } from '../helpers/cli.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from '../sinks/recording/fixtures.js';

const scratch = scratchDirs();

const PIPELINE = `name: cut
sources: { node: { type: simulator, emit: records } }
sinks: { pq: { type: parquet, inputs: [node], path: "recordings/cut.parquet", flush_interval: 100ms } }
`;

/** A recording cut by kill -9: its journal and partial file, with at least `bytes` journaled. */
async function cutRecording(dir: string, bytes: number): Promise<string> {
  fs.writeFileSync(path.join(dir, 'cut.yml'), PIPELINE);
  const run = new CliProcess(['run', path.join(dir, 'cut.yml'), '--data-dir', dir, '--log-level', 'warn']);
  const journal = path.join(dir, 'recordings', 'cut.parquet.journal');
  try {
    // Bounded: at most 600 x 50 ms.
    for (let i = 0; i < 600 && !(fs.existsSync(journal) && fs.statSync(journal).size >= bytes); i++) {
      if (run.child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    await run.stop('SIGKILL');
  }
  expect(fs.statSync(journal).size).toBeGreaterThanOrEqual(bytes);
  return path.join(dir, 'recordings');
}

/**
 * Runs the CLI in a private mount namespace where `full` is a tmpfs with the leftovers and no free
 * space; records the leftovers' checksums before and after, since the mount goes with the namespace.
 */
function onFullDisk(leftovers: string, full: string, sums: string): string[] {
  const script = [
    'set -e',
    `mount -t tmpfs -o size=${8 << 20} tmpfs "${full}"`,
    `cp -a "${leftovers}/." "${full}/"`,
    `dd if=/dev/zero of="${full}/filler" bs=4k 2>/dev/null || true`,
    `(cd "${full}" && sha256sum cut.parquet.journal cut.parquet.partial) > "${sums}.before"`,
    'set +e',
    '"$@"',
    'code=$?',
    `(cd "${full}" && sha256sum cut.parquet.journal cut.parquet.partial; ls) > "${sums}.after"`,
    'exit $code',
  ].join('\n');
  return ['unshare', '-rm', 'sh', '-c', script, 'sh'];
}

describe('pipeline recover on a full disk', () => {
  it('says the disk is full without a stack trace, exits 1 and deletes nothing; recovers once there is space', async () => {
    const dir = scratch('recover-full');
    const leftovers = await cutRecording(dir, 400_000);
    const full = path.join(dir, 'full');
    fs.mkdirSync(full);
    const sums = path.join(dir, 'sums');
    const result = await runCli(['recover', full], { wrapper: onFullDisk(leftovers, full, sums), timeoutMs: 60_000 });
    const output = result.stdout + result.stderr;
    expect(output).toMatch(/not recovered: \S*cut\.parquet\.journal: cannot write \S*cut\.parquet\.recovering: disk full \(ENOSPC\); nothing was deleted/);
    expect(output).not.toMatch(/^\s+at /m);
    expect(result.code).toBe(1);
    const after = fs.readFileSync(`${sums}.after`, 'utf8');
    // The journal and the partial file are untouched, and the half-written file is gone.
    expect(after.split('\n').slice(0, 2).join('\n')).toBe(fs.readFileSync(`${sums}.before`, 'utf8').trim());
    expect(after).not.toMatch(/recovering/);

    // The same leftovers on a disk with room: recovered in full.
    const recovered = await runCli(['recover', leftovers]);
    const rows = Number(/recovered (\d+) rows: \S*cut\.parquet\.journal -> \S*cut\.parquet$/m.exec(recovered.stdout)?.[1] ?? 0);
    expect(recovered.code).toBe(0);
    expect(rows).toBeGreaterThan(0);
    expect(filesEndingWith(leftovers, '.journal')).toEqual([]);
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT count(*)::INTEGER AS n FROM '${path.join(leftovers, 'cut.parquet')}'`);
      expect(row.n).toBe(rows);
    });
  }, 120_000);
});
