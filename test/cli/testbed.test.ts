import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { startCli, waitForOutput } from '../helpers/cli.js';

/** PIDs of the processes whose command line mentions `text`. */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('pipeline testbed', () => {
  it('on a terminal Ctrl-C (SIGINT to the whole group) stops the nodes, then the central once it recorded everything, then the broker', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'testbed-cli-'));
    const { child, done } = startCli(['testbed', '--nodes', '2', '--live', '127.0.0.1:0', '--data-dir', dir], { detached: true, env: { RECORDINGS_DIR: 'recordings' } });
    try {
      // Both nodes publish and the central records: its status line counts rows from the broker.
      await waitForOutput(child.stderr!, (text) => (text.match(/\[central\] .*nats: connected/g) ?? []).length >= 1 && (text.match(/recording opened/g) ?? []).length >= 2, 60_000);
      process.kill(-child.pid!, 'SIGINT');
      const result = await done;
      expect(result.code).toBe(0);
      expect(result.stderr).not.toMatch(/exiting at once without flushing|exited with an error/);
      // The order: every node had ended before the central pipeline was asked to stop.
      const lastNodeEnd = Math.max(...[...result.stderr.matchAll(/\[node-\d\] run ended/g)].map((m) => m.index));
      const centralStop = result.stderr.search(/\[central\] .*signal received/);
      expect(centralStop).toBeGreaterThan(lastNodeEnd);
      // Every row the broker acknowledged to a node is in the central dataset, once.
      const published = [...result.stderr.matchAll(/acked_rows=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      expect(published).toBeGreaterThan(0);
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const glob = path.join(dir, 'recordings/testbed/**/*.parquet');
      const [row] = (await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n, count(DISTINCT (node, seq, i))::BIGINT AS distinct_rows FROM read_parquet('${glob}', hive_partitioning = true)`)).getRowObjects();
      connection.closeSync();
      expect(Number(row.n)).toBe(published);
      expect(Number(row.distinct_rows)).toBe(published);
      // Nothing it started is left running.
      const store = /store (\S+)\)/.exec(result.stderr)![1];
      expect(processesMentioning(store)).toEqual([]);
      expect(processesMentioning(dir)).toEqual([]);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
      for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
