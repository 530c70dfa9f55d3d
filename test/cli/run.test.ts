import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, waitForOutput } from '../helpers/cli.js';

describe('pipeline run', () => {
  it('prints a status line each second, and on Ctrl-C flushes, prints the counters once and exits 0', async () => {
    const { child, done } = startCli(['run', 'pipelines/harvest.yml', '--log-level', 'warn']);
    try {
      await waitForOutput(child.stdout!, (text) => text.split('\n').filter((l) => l.includes('| node ')).length >= 2);
      child.kill('SIGINT');
      const result = await done;
      expect(result.code).toBe(0);
      const status = result.stdout.split('\n').filter((l) => l.includes('| node '));
      expect(status[0]).toMatch(/^\d\d:\d\d:\d\d \| node \d+(\.\d)? kB\/s \| /);
      expect(result.stderr.match(/^run ended after/gm)).toHaveLength(1);
      expect(result.stderr).toMatch(/^node\s+simulator\s+0\s+\d+/m);
      expect(result.stderr).toMatch(/^console\s+stdout\s+\d+\s+0/m);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('on SIGHUP (the terminal closed) flushes the recording like Ctrl-C and exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'run-hup-'));
    const { child, done } = startCli(['run', 'pipelines/harvest.yml', '--data-dir', dir, '--log-level', 'warn'], { env: { RECORDINGS_DIR: 'recordings' } });
    try {
      await waitForOutput(child.stdout!, (text) => text.split('\n').filter((l) => l.includes('| node ')).length >= 2);
      child.kill('SIGHUP');
      const result = await done;
      expect(result.code).toBe(0);
      const recorded = Number(/^recording\s+parquet\s+(\d+)\s+0\b/m.exec(result.stderr)?.[1]);
      expect(recorded).toBeGreaterThan(0);
      // The file is complete (its final name, readable) and holds every row the sink took.
      const files = readdirSync(path.join(dir, 'recordings'));
      expect(files.filter((f) => f.endsWith('.partial') || f.includes('journal'))).toEqual([]);
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const rows = (await connection.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM read_parquet('${path.join(dir, 'recordings', '*.parquet')}')`)).getRowObjects();
      connection.closeSync();
      expect(rows[0].n).toBe(recorded);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops after --duration with exit 0', async () => {
    const result = await runCli(['run', 'pipelines/harvest.yml', '--duration', '1200ms', '--log-level', 'warn']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/run ended after [\d.]+ s; [\d.]+k items reached the sinks/);
  });

  it('names a sink that cannot start and exits 1', async () => {
    // The live view's port is taken by another program.
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = await runCli(['run', 'pipelines/harvest.yml', '--duration', '5s', '--log-level', 'warn'], { env: { LIVE_LISTEN: `127.0.0.1:${port}` } });
      expect(result.code).toBe(1);
      // harvest.yml reads the address from LIVE_LISTEN: the message gives both ways to choose another port.
      expect(result.stderr).toMatch(/error: component "live" failed: .*the port is in use; choose another with LIVE_LISTEN=127\.0\.0\.1:PORT or --set sinks\.live\.listen=127\.0\.0\.1:PORT \(port 0 picks a free one\)/);
      expect(result.stderr).not.toMatch(/pipeline running/);
    } finally {
      taken.close();
    }
  });

  it('refuses a recording path outside the data directory before starting, naming file, line and key (exit 2)', async () => {
    const result = await runCli(['run', 'pipelines/harvest.yml', '--duration', '5s', '--log-level', 'warn'], { env: { RECORDINGS_DIR: '../outside' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/harvest\.yml:\d+:\d+ sinks\.recording\.path: path ".*outside.*" resolves to .* outside the data directory/);
  });

  it('exits 2 for a pipeline-file mistake found only at run time, with the message once and no stack trace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'run-mistake-'));
    try {
      const file = path.join(dir, 'typo.yml');
      // The simulator's records declare no columns, so validate cannot know that temp_raw is missing.
      writeFileSync(file, 'sources: { dev: { type: simulator, emit: records, frames: 40, rate: max } }\ntransforms:\n  readings: { inputs: [dev], steps: [ { type: derive, fields: { t: "temp_raw * 0.01" } } ] }\nsinks: { out: { type: stdout, inputs: [readings], format: summary } }\n');
      const result = await runCli(['run', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: component "readings\/derive" failed: field "t": expression "temp_raw \* 0\.01": column "temp_raw" does not exist \(columns: seq, /m);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      // Once in the log line (JSON here, as stderr is no terminal) and once as the last line.
      expect(result.stderr.match(/column \\?"temp_raw\\?" does not exist/g)).toHaveLength(2);
      expect(result.stderr).not.toMatch(/pipeline running/);
      // The log line holds the message once (not again with the wrapped error's text appended).
      const logLine = result.stderr.split('\n').find((l) => l.startsWith('{') && l.includes('"level":50'))!;
      expect(JSON.parse(logLine).msg.match(/does not exist/g)).toHaveLength(1);
      expect(JSON.parse(logLine).err).toBeUndefined();
      const missing = path.join(dir, 'missing.yml');
      writeFileSync(missing, `sources: { dev: { type: file, path: nothing-here.bin } }\nsinks: { out: { type: stdout, inputs: [dev], format: summary } }\n`);
      const replay = await runCli(['run', missing, '--data-dir', dir, '--log-level', 'warn']);
      expect(replay.code).toBe(2);
      expect(replay.stderr).toMatch(/error: component "dev" failed: cannot open .*nothing-here\.bin: no such file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with usage for a bad flag, and 2 for a missing file', async () => {
    const bad = await runCli(['run', 'pipelines/harvest.yml', '--duration', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--duration: "soon" is not a duration/);
    const missing = await runCli(['run', 'pipelines/nope.yml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/pipelines\/nope\.yml file not found/);
  });
});
