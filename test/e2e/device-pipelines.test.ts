import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../src/components.js';
import { loadPipelineFile } from '../../src/core/config/load.js';
import { encodeFrame } from '../../src/sources/simulator/protocol.js';
import { CliProcess } from '../helpers/cli-process.js';
import { PtyPair } from '../helpers/socat.js';
import { connectTo } from '../helpers/tcp-device.js';
import { waitFor } from '../helpers/wait.js';

describe.each(readdirSync('pipelines').filter((f) => f.endsWith('.yml') && !f.endsWith('.test.yml')))('pipelines/%s', (file) => {
  it('validates against the components of this build', () => {
    const plan = loadPipelineFile(`pipelines/${file}`, defaultRegistry(), { env: {} });
    expect(plan.sinks.length).toBeGreaterThan(0);
  });
});

describe('ltbus-serial.yml on a pseudo-terminal', () => {
  const cleanups: (() => Promise<unknown> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('counts line noise (what a wrong baud rate looks like) as resync bytes and keeps every good frame', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ltbus-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pty = new PtyPair(dir);
    await pty.start();
    cleanups.push(() => pty.stop());
    const run = new CliProcess(['run', 'pipelines/ltbus-serial.yml', '--log-level', 'info', '--set', `sources.link.path=${pty.dev}`, '--set', 'sinks.share.listen=127.0.0.1:0']);
    cleanups.push(() => run.stop('SIGKILL'));
    await run.waitFor(/: connected/);
    // A relay client sees the device's bytes after the source has pushed them through the frame chain
    // (fan-out is synchronous), so receiving them all means the counts are final.
    const relayPort = Number((await run.waitFor(/relay serving on 127\.0\.0\.1:(\d+)/))[1]);
    const client = await connectTo(relayPort);
    cleanups.push(() => void client.destroy());
    let relayed = 0;
    client.on('data', (chunk: Buffer) => (relayed += chunk.length));

    // 100 good frames, 20 kB of noise (seeded, with start and end bytes in it), 100 more good frames.
    let seed = 7;
    const noise = Buffer.alloc(20_000, 0).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
    const frames = (from: number) => Buffer.concat(Array.from({ length: 100 }, (_, i) => encodeFrame(0x01, from + i, (from + i) * 250, Buffer.alloc(200, i))));
    const sent = Buffer.concat([frames(0), noise, frames(100)]);
    writeFileSync(pty.host, sent);
    await waitFor(() => relayed >= sent.length, 'every byte through the source');
    expect(await run.stop('SIGINT')).toBe(0);

    const row = (id: string) => run.stderr.split('\n').find((line) => line.startsWith(id + ' '))!;
    const decodeRow = row('frames/decode').trim().split(/\s+/);
    expect(decodeRow.slice(0, 4)).toEqual(['frames/decode', 'decode', '200', '200']);
    const resync = Number(/resync_bytes=(\d+)/.exec(row('frames/frame'))![1]);
    expect(resync).toBeGreaterThan(10_000);
    expect(resync).toBeLessThanOrEqual(20_000);
  });
});
