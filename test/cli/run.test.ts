import net from 'node:net';
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
      expect(result.stderr).toMatch(/error: component "live" failed: .*the port is in use/);
    } finally {
      taken.close();
    }
  });

  it('refuses a recording path outside the data directory before starting, naming file, line and key (exit 2)', async () => {
    const result = await runCli(['run', 'pipelines/harvest.yml', '--duration', '5s', '--log-level', 'warn'], { env: { RECORDINGS_DIR: '../outside' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/harvest\.yml:\d+:\d+ sinks\.recording\.path: path ".*outside.*" resolves to .* outside the data directory/);
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
