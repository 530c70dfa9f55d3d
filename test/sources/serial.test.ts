import { mkdtempSync, rmSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { standaloneContext, type StandaloneContext } from '../../src/core/standalone.js';
import { serialSource } from '../../src/sources/serial/index.js';
import { collect } from '../helpers/collect.js';
import { PtyPair } from '../helpers/socat.js';
import { waitFor, waitForSteady } from '../helpers/wait.js';

const FAST_RETRY = { backoff: { initial: '20ms', max: '200ms' } };

describe('serial source on a socat pty pair', () => {
  let dir: string;
  let pty: PtyPair;
  let host: FileHandle | undefined;
  let context: StandaloneContext;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'serial-'));
    pty = new PtyPair(dir);
    await pty.start();
    context = standaloneContext('node', { kind: 'source', type: 'serial' });
  });

  afterEach(async () => {
    context.abort.abort();
    await host?.close().catch(() => undefined);
    host = undefined;
    await pty.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(options: Record<string, unknown>) {
    return collect(serialSource.create(serialSource.options.parse({ path: pty.dev, ...FAST_RETRY, ...options }), context));
  }

  it('delivers every byte in order, garbage included', async () => {
    const run = start({ baud_rate: 921600 });
    await waitFor(() => context.metrics.gauges.get('connected') === 1, 'connect');
    host = await open(pty.host, 'r+');
    const sent = Buffer.alloc(200_000);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7919 + (i >> 8)) & 0xff; // every byte value, 0x11/0x13/0x7B/0x7D too
    await host.write(sent);
    await waitFor(() => run.bytes >= sent.length, 'all bytes');
    expect(run.data().equals(sent)).toBe(true);
    expect(run.batches.every((b) => b.kind === 'bytes' && b.source === 'node')).toBe(true);
    expect(context.metrics.totalErrors()).toBe(0);
    context.abort.abort();
    await waitFor(() => run.completed, 'completion');
  });

  it('sends on_connect bytes after connecting', async () => {
    host = await open(pty.host, 'r+');
    start({ on_connect: '7B 10 00 7D' });
    const got = Buffer.alloc(4);
    let filled = 0;
    for (let reads = 0; filled < 4 && reads < 4; reads++) filled += (await host.read(got, filled, 4 - filled)).bytesRead;
    expect(got.subarray(0, filled).toString('hex')).toBe('7b10007d');
  });

  it('survives unplug and replug on the same path and counts the gap', async () => {
    const run = start({});
    await waitFor(() => context.metrics.gauges.get('connected') === 1, 'connect');
    host = await open(pty.host, 'r+');
    await host.write(Buffer.from('before-'));
    await waitFor(() => run.bytes >= 7, 'bytes before unplug');
    await host.close();
    host = undefined;

    await pty.stop(); // unplug
    await waitFor(() => context.metrics.counters.get('disconnects') === 1, 'disconnect noticed');
    await waitFor(() => (context.metrics.errors.get('not_found') ?? 0) >= 1, 'failed reopen counted');
    expect(context.metrics.gauges.get('connected')).toBe(0);

    await pty.start(); // replug
    await waitFor(() => context.metrics.gauges.get('connection') === 2, 'reconnect');
    host = await open(pty.host, 'r+');
    await host.write(Buffer.from('after'));
    await waitFor(() => run.bytes >= 12, 'bytes after replug');
    expect(run.data().toString()).toBe('before-after');
    expect(context.metrics.counters.get('reconnects')).toBe(1);
    expect(context.metrics.counters.get('disconnected_ms')).toBeGreaterThan(0);
    expect(run.error).toBeUndefined();
  });

  it('reopens the port when the device goes quiet for idle_timeout', async () => {
    start({ idle_timeout: '300ms' });
    await waitFor(() => (context.metrics.gauges.get('connection') ?? 0) >= 2, 'reopen after idle timeout');
    expect(context.metrics.errors.get('idle_timeout')).toBeGreaterThanOrEqual(1);
    expect(context.metrics.counters.get('reconnects')).toBeGreaterThanOrEqual(1);
  });

  it('stops reading while paused, so the writer blocks, and loses nothing', async () => {
    const run = start({});
    await waitFor(() => context.metrics.gauges.get('connected') === 1, 'connect');
    host = await open(pty.host, 'r+');
    context.flowSignal.hold();
    const sent = Buffer.alloc(4_000_000);
    for (let i = 0; i < sent.length; i++) sent[i] = i % 251;
    let written = false;
    const writing = host.write(sent).then(() => (written = true));
    // Reads stop once the handle is paused; the writer then stays blocked on the full buffers.
    await waitForSteady(() => run.bytes, 'reads to stop while paused');
    // The pty, socat and the port's read buffer hold a few hundred kB at most: 4 MB cannot be written.
    expect(written).toBe(false);
    expect(run.bytes).toBeLessThan(sent.length);
    context.flowSignal.release();
    await writing;
    await waitFor(() => run.bytes >= sent.length, 'all bytes after resume', 20_000);
    expect(run.data().equals(sent)).toBe(true);
  });
});

describe('serial source with a bad path', () => {
  it('reports a path that does not exist and keeps retrying', async () => {
    const context = standaloneContext('node', { kind: 'source', type: 'serial' });
    const run = collect(serialSource.create(serialSource.options.parse({ path: '/nonexistent/ttyACM9', ...FAST_RETRY }), context));
    await waitFor(() => (context.metrics.errors.get('not_found') ?? 0) >= 3, 'three failed attempts');
    expect(run.error).toBeUndefined();
    context.abort.abort();
    await waitFor(() => run.completed, 'completion');
  });

  it('stops with an error naming the path when retry is false', async () => {
    const context = standaloneContext('node', { kind: 'source', type: 'serial' });
    const run = collect(serialSource.create(serialSource.options.parse({ path: '/nonexistent/ttyACM9', retry: false }), context));
    await waitFor(() => run.error !== undefined, 'error');
    expect(run.error!.message).toMatch(/^serial \/nonexistent\/ttyACM9: No such file or directory.*retry is off/);
    expect(context.metrics.errors.get('not_found')).toBe(1);
  });

  it('rejects options without path or match, naming the key', () => {
    const result = serialSource.options.safeParse({ baud_rate: 9600 });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path).toEqual(['path']);
  });
});
