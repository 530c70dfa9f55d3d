import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net, { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesBatch, type Batch } from '../../src/core/batch.js';
import type { SinkInstance } from '../../src/core/component.js';
import { DeviceWriters } from '../../src/core/capabilities.js';
import { standaloneContext, type StandaloneContext } from '../../src/core/standalone.js';
import { relaySink } from '../../src/sinks/relay/index.js';
import { serialSource } from '../../src/sources/serial/index.js';
import { tcpSource } from '../../src/sources/tcp/index.js';
import { collect } from '../helpers/collect.js';
import { PtyPair } from '../helpers/socat.js';
import { waitFor } from '../helpers/wait.js';
import { connectTo, TcpDevice } from '../helpers/tcp-device.js';

/** A relay client that keeps what it receives. */
async function client(port: number) {
  const socket = await connectTo(port);
  const state = { socket, received: [] as Buffer[], bytes: 0, text: () => Buffer.concat(state.received).toString() };
  socket.on('data', (chunk: Buffer) => {
    state.received.push(chunk);
    state.bytes += chunk.length;
  });
  return state;
}

describe('relay sink', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function relay(options: Record<string, unknown>, devices = new DeviceWriters()) {
    const writesTo = typeof options.write_through === 'string' ? options.write_through : undefined;
    const context = standaloneContext('relay', { kind: 'sink', type: 'relay', devices, writesTo });
    const sink: SinkInstance = await relaySink.create(relaySink.options.parse({ listen: '127.0.0.1:0', ...options }), context);
    cleanups.push(() => sink.close());
    return { sink, context, port: context.metrics.gauges.get('port')! };
  }

  async function connect(port: number) {
    const c = await client(port);
    cleanups.push(() => c.socket.destroy());
    return c;
  }

  const chunk = (text: string): Batch => bytesBatch('node', Buffer.from(text), 0);

  it('serves the stream to every client and refuses beyond max_clients', async () => {
    const { sink, context, port } = await relay({ max_clients: 2 });
    const a = await connect(port);
    const b = await connect(port);
    await waitFor(() => context.metrics.gauges.get('clients') === 2, 'two clients');
    await connect(port);
    await waitFor(() => context.metrics.errors.get('rejected_clients') === 1, 'third refused');
    for (const text of ['7B', '01', '7D']) await sink.write(chunk(text));
    await waitFor(() => a.bytes === 6 && b.bytes === 6, 'stream at both');
    expect(a.text()).toBe('7B017D');
    expect(b.text()).toBe('7B017D');
  });

  it('drops for a slow client only, and counts every byte it drops', async () => {
    const { sink, context, port } = await relay({ client_buffer: '64KiB', client_policy: 'drop_newest' });
    const fast = await connect(port);
    const slow = await connect(port);
    slow.socket.pause();
    await waitFor(() => context.metrics.gauges.get('clients') === 2, 'two clients');
    const piece = Buffer.alloc(64 * 1024, 0x55);
    const total = piece.length * 200;
    for (let i = 0; i < 200; i++) {
      await sink.write(bytesBatch('node', piece, 0));
      if (i % 20 === 19) await waitFor(() => fast.bytes >= (i + 1) * piece.length, 'fast client keeping up');
    }
    await waitFor(() => fast.bytes === total, 'fast client has everything');
    const dropped = () => context.metrics.counters.get('client_dropped_bytes') ?? 0;
    expect(dropped()).toBeGreaterThan(0);
    slow.socket.resume();
    await waitFor(() => slow.bytes + dropped() === total, 'slow client: received + dropped = sent');
    expect(slow.bytes).toBeLessThan(total);
  });

  it('disconnects a client that falls behind when the policy says so', async () => {
    const { sink, context, port } = await relay({ client_buffer: '64KiB', client_policy: 'disconnect' });
    const slow = await connect(port);
    slow.socket.pause();
    await waitFor(() => context.metrics.gauges.get('clients') === 1, 'client');
    const piece = Buffer.alloc(64 * 1024, 0x55);
    for (let i = 0; i < 200 && context.metrics.gauges.get('clients') === 1; i++) {
      await sink.write(bytesBatch('node', piece, 0));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => context.metrics.gauges.get('clients') === 0, 'slow client disconnected');
    expect(context.metrics.counters.get('client_dropped_bytes')).toBeGreaterThan(0);
  });

  it('writes client bytes through to a tcp source\'s device', async () => {
    const dev = new TcpDevice();
    await dev.start();
    cleanups.push(() => dev.stop());
    const devices = new DeviceWriters();
    const sourceContext = standaloneContext('node', { kind: 'source', type: 'tcp', devices });
    cleanups.push(() => sourceContext.abort.abort());
    collect(tcpSource.create(tcpSource.options.parse({ port: dev.port }), sourceContext));
    await waitFor(() => dev.sockets.size === 1, 'tcp source connected');
    const { context, port } = await relay({ write_through: 'node' }, devices);
    const c = await connect(port);
    c.socket.write('PING');
    await waitFor(() => dev.received.toString() === 'PING', 'bytes at the device');
    expect(context.metrics.counters.get('written_through_bytes')).toBe(4);
  });

  it('pauses a client that floods a device which does not read, and delivers every byte once it reads', async () => {
    // The device streams to the pipeline but does not read what it is sent (until told to).
    const received: Buffer[] = [];
    let receivedBytes = 0;
    let deviceSocket: net.Socket | undefined;
    const device = createServer((socket) => {
      deviceSocket = socket;
      socket.pause();
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        receivedBytes += chunk.length;
      });
      socket.on('error', () => undefined);
      socket.write(Buffer.alloc(1024, 0x55));
    });
    await new Promise<void>((resolve) => device.listen(0, '127.0.0.1', () => resolve()));
    cleanups.push(() => new Promise<void>((resolve) => {
      deviceSocket?.destroy();
      device.close(() => resolve());
    }));
    const devicePort = (device.address() as net.AddressInfo).port;

    const devices = new DeviceWriters();
    const sourceContext = standaloneContext('link', { kind: 'source', type: 'tcp', devices });
    cleanups.push(() => sourceContext.abort.abort());
    collect(tcpSource.create(tcpSource.options.parse({ port: devicePort, idle_timeout: 0 }), sourceContext));
    await waitFor(() => deviceSocket !== undefined, 'tcp source connected');
    const HIGH_WATER = 256 * 1024; // the default write_through_buffer
    const { context, port } = await relay({ write_through: 'link' }, devices);

    // The client sends 48 MB as fast as the relay lets it, honouring its own socket's backpressure.
    const TOTAL = 48 * 1024 * 1024;
    const block = Buffer.alloc(64 * 1024);
    const sent = createHash('sha256');
    const c = await connect(port);
    const sending = (async () => {
      for (let offset = 0; offset < TOTAL; offset += block.length) {
        for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((offset + i) >>> 0, i);
        sent.update(block);
        if (!c.socket.write(Buffer.from(block))) await once(c.socket, 'drain');
      }
    })();

    let maxPending = 0;
    const sample = () => (maxPending = Math.max(maxPending, context.metrics.gauges.get('write_through_pending_bytes') ?? 0));
    await waitFor(() => {
      sample();
      return (context.metrics.counters.get('write_through_pauses') ?? 0) >= 1;
    }, 'the relay to pause the flooding client', 20_000);
    // While the device reads nothing, what waits in this process for it stays near the high-water mark.
    expect(receivedBytes).toBe(0);
    expect(context.metrics.counters.get('written_through_bytes')).toBeLessThan(TOTAL);

    deviceSocket!.resume();
    await waitFor(() => {
      sample();
      return receivedBytes === TOTAL;
    }, 'every byte at the device', 60_000);
    await sending;
    expect(maxPending).toBeGreaterThan(0);
    expect(maxPending).toBeLessThanOrEqual(HIGH_WATER + block.length);
    expect(createHash('sha256').update(Buffer.concat(received)).digest('hex')).toBe(sent.digest('hex'));
    expect(context.metrics.counters.get('written_through_bytes')).toBe(TOTAL);
    expect(context.metrics.counters.get('write_through_refused_bytes')).toBeUndefined();
  });

  it('counts client bytes the device cannot take while it is disconnected', async () => {
    const dev = new TcpDevice();
    await dev.start();
    const devices = new DeviceWriters();
    const sourceContext = standaloneContext('node', { kind: 'source', type: 'tcp', devices });
    cleanups.push(() => sourceContext.abort.abort());
    collect(tcpSource.create(tcpSource.options.parse({ port: dev.port, backoff: { initial: '10s' } }), sourceContext));
    await waitFor(() => dev.sockets.size === 1, 'tcp source connected');
    const { context, port } = await relay({ write_through: 'node' }, devices);
    await dev.stop();
    await waitFor(() => sourceContext.metrics.gauges.get('connected') === 0, 'device gone');
    const c = await connect(port);
    c.socket.write('PING');
    await waitFor(() => context.metrics.counters.get('write_through_refused_bytes') === 4, 'refused bytes counted');
    expect(sourceContext.metrics.errors.get('write_while_disconnected')).toBe(4);
  });

  it('counts client bytes while the write_through source offers no writer (not running)', async () => {
    const { context, port } = await relay({ write_through: 'missing' });
    const c = await connect(port);
    c.socket.write('PING');
    await waitFor(() => context.metrics.errors.get('write_through_unavailable') === 4, 'unavailable counted');
  });
});

describe('relay write-through to a serial device', () => {
  let dir: string | undefined;
  let pty: PtyPair | undefined;
  afterEach(async () => {
    await pty?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends client bytes to the port and device bytes to the client', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'relay-'));
    pty = new PtyPair(dir);
    await pty.start();
    const devices = new DeviceWriters();
    const sourceContext: StandaloneContext = standaloneContext('node', { kind: 'source', type: 'serial', devices });
    const sinkContext = standaloneContext('relay', { kind: 'sink', type: 'relay', devices, writesTo: 'node' });
    const sink = await relaySink.create(relaySink.options.parse({ listen: '127.0.0.1:0', write_through: 'node' }), sinkContext);
    const host = await open(pty.host, 'r+');
    let tool: net.Socket | undefined;
    try {
      const run = collect(serialSource.create(serialSource.options.parse({ path: pty.dev }), sourceContext));
      await waitFor(() => sourceContext.metrics.gauges.get('connected') === 1, 'serial connected');
      const c = await client(sinkContext.metrics.gauges.get('port')!);
      tool = c.socket;
      await waitFor(() => sinkContext.metrics.gauges.get('clients') === 1, 'tool connected');

      c.socket.write('\x7b\x20\x7d'); // a command from the tool
      const got = Buffer.alloc(3);
      let filled = 0;
      for (let reads = 0; filled < 3 && reads < 3; reads++) filled += (await host.read(got, filled, 3 - filled)).bytesRead;
      expect(got.subarray(0, filled).toString('hex')).toBe('7b207d');
      expect(sinkContext.metrics.counters.get('written_through_bytes')).toBe(3);

      await host.write(Buffer.from('reply'));
      await waitFor(() => run.bytes === 5, 'device reply read');
      for (const batch of run.batches) await sink.write(batch);
      await waitFor(() => c.bytes === 5, 'reply relayed');
      expect(c.text()).toBe('reply');
    } finally {
      tool?.destroy();
      sourceContext.abort.abort();
      await host.close();
      await sink.close();
    }
  });
});
