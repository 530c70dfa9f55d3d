import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CliProcess } from '../helpers/cli-process.js';
import { PtyPair } from '../helpers/socat.js';

/**
 * A whole pipeline reading the simulator over TCP while the simulator is stopped and started again:
 * the run goes on, reconnects, and reports the gap.
 */
describe('pipeline run with a tcp source and a device that restarts', () => {
  const processes: CliProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.stop('SIGKILL');
  });
  const start = (args: string[]) => {
    const p = new CliProcess(args);
    processes.push(p);
    return p;
  };

  it('reconnects after the device comes back and counts the gap', async () => {
    let device = start(['simulate', '--tcp', '127.0.0.1:0', '--rate', 'realtime']);
    const port = (await device.waitFor(/simulator listening on 127\.0\.0\.1:(\d+)/))[1];
    const run = start([
      'run', 'pipelines/harvest.yml', '--log-level', 'info',
      '--set', `sources.node={type: tcp, port: ${port}, backoff: {initial: 50ms, max: 500ms}}`,
    ]);
    await run.waitFor(/tcp 127\.0\.0\.1:\d+: connected/);
    await run.waitFor(/node \d[\d.]* [kM]?B\/s/); // data is flowing

    await device.stop(); // the device goes away
    await run.waitFor(/connection 1 lost/);
    await run.waitFor(/ECONNREFUSED.*retrying/);
    device = start(['simulate', '--tcp', `127.0.0.1:${port}`, '--rate', 'realtime']);
    await device.waitFor(/simulator listening/);
    await run.waitFor(/reconnected after \d+ ms without data \(connection 2\)/);

    expect(await run.stop('SIGINT')).toBe(0);
    const summary = run.stdout + run.stderr;
    expect(summary).toMatch(/node\s+tcp\s+.*refused=\d+\s+disconnects=1 reconnects=1 disconnected_ms=\d+/);
  });
});

describe('pipeline run with a serial source on a pty that is unplugged and replugged', () => {
  const processes: CliProcess[] = [];
  let pty: PtyPair | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.stop('SIGKILL');
    await pty?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const start = (args: string[]) => {
    const p = new CliProcess(args);
    processes.push(p);
    return p;
  };

  it('resumes on the same path and counts the gap', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'e2e-serial-'));
    pty = new PtyPair(dir);
    await pty.start();
    const run = start([
      'run', 'pipelines/harvest.yml', '--log-level', 'info',
      '--set', `sources.node={type: serial, path: "${pty.dev}", baud_rate: 921600, backoff: {initial: 50ms, max: 500ms}}`,
    ]);
    await run.waitFor(/serial .*: connected/);
    let device = start(['simulate', '--rate', 'realtime', '--out', pty.host]);
    await run.waitFor(/node \d[\d.]* [kM]B\/s/);

    await pty.stop(); // unplug
    await device.exited; // the device side is gone with the pty
    await run.waitFor(/connection 1 lost/);
    await run.waitFor(/No such file or directory.*retrying/);
    await pty.start(); // replug on the same links
    await run.waitFor(/reconnected after \d+ ms without data \(connection 2\)/);
    device = start(['simulate', '--rate', 'realtime', '--out', pty.host]);
    await run.waitFor(/node \d[\d.]* [kM]B\/s reconnects=1/); // data flows again

    expect(await run.stop('SIGINT')).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/node\s+serial\s+.*not_found=\d+\s+disconnects=1 reconnects=1 disconnected_ms=\d+/);
  });
});
