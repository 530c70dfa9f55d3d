import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCaptureHeader } from '../../src/core/capture-format.js';
import { runCli, startCli, waitForOutput } from '../helpers/cli.js';
import { readFrames } from '../helpers/frames.js';
import { PtyPair } from '../helpers/socat.js';
import { waitFor } from '../helpers/wait.js';

describe('pipeline simulate', () => {
  it('writes a given number of frames to a file, raw or as a capture', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'simulate-'));
    try {
      const raw = await runCli(['simulate', '--rate', 'max', '--frames', '1000', '--out', path.join(dir, 'a.bin')]);
      expect(raw.code).toBe(0);
      expect(raw.stderr).toMatch(/simulator stopped: frames_sent=1000/);
      const { frames, skipped } = readFrames(readFileSync(path.join(dir, 'a.bin')));
      expect([frames.length, skipped]).toEqual([1000, 0]);
      const capture = await runCli(['simulate', '--rate', 'max', '--frames', '10', '--format', 'capture', '--out', path.join(dir, 'b.tpcap'), '--set', 'device=tasks']);
      expect(capture.code).toBe(0);
      const { header } = decodeCaptureHeader(readFileSync(path.join(dir, 'b.tpcap')));
      expect(header.source).toBe('simulator');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the device on a TCP listener on 127.0.0.1 and stops on SIGTERM', async () => {
    const { child, done } = startCli(['simulate', '--tcp', '127.0.0.1:0']);
    try {
      const text = await waitForOutput(child.stderr!, (t) => /listening on 127\.0\.0\.1:\d+/.test(t));
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(text)![1]);
      const received = await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let total = 0;
        const socket = net.connect(port, '127.0.0.1');
        socket.on('data', (d) => {
          chunks.push(d);
          total += d.length;
          if (total >= 213 * 400) {
            socket.destroy();
            resolve(Buffer.concat(chunks));
          }
        });
        socket.on('error', reject);
        setTimeout(() => reject(new Error('no data from the simulator')), 10_000).unref();
      });
      const { frames, skipped } = readFrames(received);
      expect(skipped).toBe(0);
      expect(frames.length).toBeGreaterThanOrEqual(399);
      expect(frames.map((f) => f.seq).slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
      child.kill('SIGTERM');
      expect((await done).code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('names the key of a bad simulator option and exits 2', async () => {
    const result = await runCli(['simulate', '--frames', '1', '--out', '/dev/null', '--set', 'faults.bitflip=0.1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bitflip/);
  });
});

describe('pipeline simulate --out on a pseudo-terminal', () => {
  let dir: string | undefined;
  let pty: PtyPair | undefined;
  afterEach(async () => {
    await pty?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops with a clear message, counted, when the pty goes away (socat stopped)', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'simulate-pty-'));
    pty = new PtyPair(dir);
    await pty.start();
    // The device side reads, as a serial source would.
    let read = 0;
    const reader = createReadStream(pty.dev);
    reader.on('data', (chunk) => (read += chunk.length));
    reader.on('error', () => undefined);
    const { child, done } = startCli(['simulate', '--rate', 'realtime', '--out', pty.host]);
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      await waitFor(() => read >= 10_000, 'simulated bytes through the pty', 30_000);
      await pty.stop();
      const result = await done;
      expect(result.stderr).not.toMatch(/Unhandled 'error' event|\n\s+at /);
      expect(result.stderr).toMatch(/simulator stopped: frames_sent=\d+ .*output_failed=1/);
      expect(result.stderr).toMatch(new RegExp(`error: cannot write to ${pty.host} any more \\((EIO|EACCES|ENOENT)[^)]*\\); the simulator stopped`));
      expect(result.code).toBe(1);
    } finally {
      clearTimeout(killer);
      reader.destroy();
    }
  });
});
