import net from 'node:net';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { TestClient, recordingLogger, sampleBatch, startSink, wsUrl } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function client(url: string): TestClient {
  const c = new TestClient(url);
  cleanups.push(() => c.close());
  return c;
}

/** Stops reading on the client side: the kernel buffers fill, then the server's socket buffer grows. */
function stall(c: TestClient): void {
  (c.socket as unknown as { _socket: { pause(): void } })._socket.pause();
}

describe('websocket sink client limits', () => {
  it('refuses clients beyond max_clients with 503, counts and logs it, and takes one again when a client leaves', async () => {
    const { log, lines } = recordingLogger();
    const { sink: live, context } = await startSink({ max_clients: 3 }, { log });
    cleanups.push(() => live.close());
    const url = wsUrl(live.url, '?history=0');
    const first = [client(url), client(url), client(url)];
    await Promise.all(first.map((c) => c.opened));

    const extra = client(url);
    await expect(extra.opened).rejects.toThrow(/HTTP 503/);
    expect(context.metrics.counters.get('refused_clients')).toBe(1);
    expect(lines.find((l) => l.reason === 'clients')?.msg).toMatch(/too many live view clients \(max_clients is 3\)/);
    expect(live.feed.clientCount).toBe(3);

    first[0].close();
    await first[1].until(() => live.feed.clientCount === 2, 'the server to see the client leave');
    const again = client(url);
    await again.opened;
    expect(live.feed.clientCount).toBe(3);
  });

  it('survives refused clients that reset the connection without reading the answer', async () => {
    const { sink: live, context } = await startSink({ max_clients: 1 });
    cleanups.push(() => live.close());
    const url = wsUrl(live.url, '?history=0');
    const first = client(url);
    await first.opened;
    const { port } = new URL(live.url);
    const upgrade = (host: string) =>
      `GET /ws HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
    // Beyond max_clients, and with a foreign Host: both refused; each peer then resets instead of reading.
    for (const host of [`127.0.0.1:${port}`, `attacker.example:${port}`]) {
      const socket = net.connect(Number(port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.pause();
      await new Promise((resolve) => socket.once('connect', resolve));
      const before = (context.metrics.counters.get('refused_clients') ?? 0) + (context.metrics.counters.get('refused_host') ?? 0);
      socket.write(upgrade(host));
      await first.until(() => (context.metrics.counters.get('refused_clients') ?? 0) + (context.metrics.counters.get('refused_host') ?? 0) > before, 'the refusal');
      await new Promise((resolve) => socket.once('readable', resolve));
      socket.resetAndDestroy();
    }
    // The server is still there and serves the client it had.
    const status = await fetch(new URL('api/status', live.url));
    expect(status.status).toBe(200);
    expect((await status.json()).clients).toHaveLength(1);
    expect(first.closeCode).toBeUndefined();
  });

  it('bounds the bytes waiting in all stalled clients together by total_client_buffer, counting what they miss', async () => {
    const CLIENT_BUFFER = 64 * 1024;
    const TOTAL = 256 * 1024;
    const STALLED = 8;
    const { sink: live, context } = await startSink({ client_buffer: '64KiB', total_client_buffer: '256KiB', slow_client: 'downsample', close_after: 0, history: 0 });
    cleanups.push(() => live.close());
    const url = wsUrl(live.url, '?history=0');
    const stalled = Array.from({ length: STALLED }, () => client(url));
    const reader = client(url);
    await Promise.all([...stalled, reader].map((c) => c.opened));
    stalled.forEach(stall);
    const stalledIds = new Set(stalled.map((c) => c.control[0].client_id));

    // One batch of 5,000 rows is a 120 KB message: each client alone may hold 8 of them (downsample, 8 x client_buffer).
    const ROWS = 5000;
    const message = ROWS * 3 * 8 + 1024;
    let maxTotal = 0;
    let published = 0;
    const missedEnough = () =>
      live.feed
        .clientSnapshots()
        .filter((s) => stalledIds.has(s.id))
        .every((s) => s.dropped_batches >= 20);
    while (!missedEnough()) {
      if (published >= 5000) throw new Error(`the stalled clients never reached their limits: ${JSON.stringify(live.feed.clientSnapshots())}`);
      live.write(sampleBatch(published * ROWS, ROWS));
      published++;
      const total = live.feed.clientSnapshots().reduce((sum, s) => sum + s.buffered_bytes, 0);
      maxTotal = Math.max(maxTotal, total);
      await yieldToLoop();
    }

    // Over the cap, a client with bytes waiting gets nothing more; each can overshoot by one message at most.
    expect(maxTotal).toBeGreaterThan(TOTAL);
    expect(maxTotal).toBeLessThanOrEqual(TOTAL + (STALLED + 1) * message);
    expect(maxTotal).toBeLessThan(STALLED * CLIENT_BUFFER * 8);
    expect(context.metrics.counters.get('client_total_buffer_dropped_batches')).toBeGreaterThan(0);
    for (const s of live.feed.clientSnapshots()) {
      expect(s.offered_batches).toBe(s.sent_batches + s.dropped_batches + s.downsampled_batches + s.rate_limited_batches);
    }
    // The client that reads still gets data.
    await reader.until(() => reader.data.length > 0, 'the reading client to receive data');
  });

  it('disconnects stalled clients held back by the total after close_after, so they do not keep their slots', async () => {
    // client_buffer is larger than the total: only the total holds these clients back.
    const { sink: live, context } = await startSink({ client_buffer: '1MiB', total_client_buffer: '256KiB', close_after: '200ms', history: 0 });
    cleanups.push(() => live.close());
    const url = wsUrl(live.url, '?history=0');
    const stalled = Array.from({ length: 4 }, () => client(url));
    const reader = client(url);
    await Promise.all([...stalled, reader].map((c) => c.opened));
    stalled.forEach(stall);
    const ROWS = 5000;
    for (let published = 0; (context.metrics.counters.get('clients_closed_slow') ?? 0) < stalled.length; published++) {
      if (published >= 20_000) throw new Error(`stalled clients were never closed: ${JSON.stringify(live.feed.clientSnapshots())}`);
      live.write(sampleBatch(published * ROWS, ROWS));
      await yieldToLoop();
    }
    expect(context.metrics.counters.get('client_total_buffer_dropped_batches')).toBeGreaterThan(0);
    await reader.until(() => live.feed.clientCount === 1, 'only the reader to remain');
    expect(reader.closeCode).toBeUndefined();
  });
});
