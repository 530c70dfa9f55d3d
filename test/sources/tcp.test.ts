import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { standaloneContext, type StandaloneContext } from '../../src/core/standalone.js';
import { tcpSource } from '../../src/sources/tcp/index.js';
import { collect } from '../helpers/collect.js';
import { waitFor, waitForSteady } from '../helpers/wait.js';
import { connectTo, TcpDevice } from '../helpers/tcp-device.js';

const FAST_RETRY = { backoff: { initial: '20ms', max: '200ms' } };

describe('tcp source', () => {
  const cleanups: Array<() => unknown> = [];
  let context: StandaloneContext;
  afterEach(async () => {
    context?.abort.abort();
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function start(options: Record<string, unknown>) {
    context = standaloneContext('node', { kind: 'source', type: 'tcp' });
    return collect(tcpSource.create(tcpSource.options.parse({ ...FAST_RETRY, ...options }), context));
  }

  async function device(): Promise<TcpDevice> {
    const d = new TcpDevice();
    await d.start();
    cleanups.push(() => d.stop());
    return d;
  }

  it('reconnects when the device restarts and counts the gap', async () => {
    const dev = await device();
    const run = start({ port: dev.port, on_connect: '7B 10 00 7D' });
    await waitFor(() => dev.sockets.size === 1, 'connection');
    await waitFor(() => dev.received.length === 4, 'on_connect bytes');
    expect(dev.received.toString('hex')).toBe('7b10007d');
    await dev.write(Buffer.from('before-'));
    await waitFor(() => run.bytes >= 7, 'bytes before restart');

    await dev.stop();
    await waitFor(() => context.metrics.counters.get('disconnects') === 1, 'disconnect noticed');
    await waitFor(() => (context.metrics.errors.get('refused') ?? 0) >= 1, 'refused reconnect counted');
    await dev.start(); // same port
    await waitFor(() => dev.sockets.size === 1 && context.metrics.gauges.get('connection') === 2, 'reconnect');
    await dev.write(Buffer.from('after'));
    await waitFor(() => run.bytes >= 12, 'bytes after restart');
    expect(run.data().toString()).toBe('before-after');
    expect(context.metrics.counters.get('reconnects')).toBe(1);
    expect(dev.received.toString('hex')).toBe('7b10007d'.repeat(2));
  });

  it('closes an idle connection and reconnects', async () => {
    const dev = await device();
    start({ port: dev.port, idle_timeout: '150ms' });
    await waitFor(() => (context.metrics.gauges.get('connection') ?? 0) >= 2, 'reconnect after idle timeout');
    expect(context.metrics.errors.get('idle_timeout')).toBeGreaterThanOrEqual(1);
  });

  it('stops with an error when the device refuses and retry is false', async () => {
    const dev = await device();
    const port = dev.port;
    await dev.stop();
    const run = start({ port, retry: false });
    await waitFor(() => run.error !== undefined, 'error');
    expect(run.error!.message).toMatch(new RegExp(`tcp 127.0.0.1:${port}: .*ECONNREFUSED.*retry is off`));
  });

  it('ends with the data when the device closes cleanly and retry is false', async () => {
    const dev = await device();
    const run = start({ port: dev.port, retry: false });
    await waitFor(() => dev.sockets.size === 1, 'connection');
    await dev.write(Buffer.from('finite stream'));
    for (const socket of dev.sockets) socket.end();
    await waitFor(() => run.completed, 'completion');
    expect(run.error).toBeUndefined();
    expect(run.data().toString()).toBe('finite stream');
  });

  it('pauses the socket under backpressure and loses nothing', async () => {
    const dev = await device();
    const run = start({ port: dev.port });
    await waitFor(() => dev.sockets.size === 1, 'connection');
    context.flowSignal.hold();
    const sent = Buffer.alloc(16_000_000);
    for (let i = 0; i < sent.length; i++) sent[i] = i % 253;
    let written = false;
    const writing = dev.write(sent).then(() => (written = true));
    // Reads stop once the handle is paused; the writer then stays blocked on the full buffers.
    await waitForSteady(() => run.bytes, 'reads to stop while paused');
    // Loopback socket buffers hold a few MB at most: 16 MB cannot all be taken in while paused.
    expect(written).toBe(false);
    expect(run.bytes).toBeLessThan(sent.length);
    context.flowSignal.release();
    await writing;
    await waitFor(() => run.bytes >= sent.length, 'all bytes after resume', 20_000);
    expect(run.data().equals(sent)).toBe(true);
  });

  it('as a server gives each peer its own sub-stream and refuses beyond max_connections', async () => {
    const run = start({ mode: 'server', port: 0, max_connections: 2 });
    await waitFor(() => context.metrics.gauges.get('port') !== undefined, 'listening');
    const port = context.metrics.gauges.get('port')!;
    const peers: net.Socket[] = [];
    cleanups.push(() => peers.forEach((p) => p.destroy()));
    for (let i = 0; i < 2; i++) peers.push(await connectTo(port));
    await waitFor(() => context.metrics.gauges.get('clients') === 2, 'two clients');
    peers[0].write('aaaa');
    peers[1].write('bbbbbb');
    await waitFor(() => run.bytes >= 10, 'data from both');
    const bySource = new Map<string, string>();
    for (const b of run.batches) if (b.kind === 'bytes') bySource.set(b.source, (bySource.get(b.source) ?? '') + b.data.toString());
    expect(bySource.get(`node#127.0.0.1:${peers[0].localPort}`)).toBe('aaaa');
    expect(bySource.get(`node#127.0.0.1:${peers[1].localPort}`)).toBe('bbbbbb');

    const third = await connectTo(port);
    cleanups.push(() => third.destroy());
    await waitFor(() => context.metrics.errors.get('rejected_connections') === 1, 'third refused');
    expect(context.metrics.counters.get('connections')).toBe(2);
  });
});
