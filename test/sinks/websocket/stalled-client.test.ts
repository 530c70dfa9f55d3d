import { afterEach, describe, expect, it } from 'vitest';
import { TestClient, wsUrl } from './helpers.js';
import { collected } from '../../helpers/components.js';
import { type RunningPipeline, seqGaps, startPipeline } from './pipeline.js';

const CLIENT_BUFFER = 256 * 1024;

let running: RunningPipeline | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  running?.runner.stop();
  await running?.done;
  running = undefined;
});

// The harvester at its real rate: 4,000 frames/s, 100,000 rows/s, into a lossless sink (when_full: block) and the live view.
const pipeline = (policy: string, closeAfter = '0') => `
name: stalled
sources:
  node: { type: simulator, device: harvester, emit: records, rate: realtime }
sinks:
  count: { type: collect, inputs: [node], keep: true }
  live: { type: websocket, inputs: [node], listen: "127.0.0.1:0", slow_client: ${policy}, client_buffer: ${CLIENT_BUFFER}, close_after: ${closeAfter}, history_max_bytes: 1MiB }
`;

/**
 * Bytes one data message of this pipeline can take: a 10 ms tick is 40 frames, but a tick that catches
 * up after a stall can carry up to batch_frames (256) frames of 25 rows, 6 float64 columns, plus header.
 */
const MAX_MESSAGE = 256 * 25 * 6 * 8 + 4096;

describe('websocket sink with a stalled client', () => {
  it.each([
    ['downsample', CLIENT_BUFFER * 8 + MAX_MESSAGE],
    ['drop', CLIENT_BUFFER + MAX_MESSAGE],
  ])('with slow_client: %s, keeps the recording lossless, counts the stalled client\'s losses and bounds its buffer', async (policy, bound) => {
    running = await startPipeline(pipeline(policy));
    const url = wsUrl(running.url, '?history=0');
    const readers = Array.from({ length: 10 }, () => new TestClient(url));
    const stalled = new TestClient(url);
    clients.push(...readers, stalled);
    await Promise.all([...readers, stalled].map((c) => c.opened));
    // Never read again: the kernel buffers fill, then the server-side buffer grows until the policy acts.
    (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();

    const statusUrl = new URL('api/status', running.url);
    const stalledId = () => stalled.control[0]?.client_id;
    let status: any;
    let maxBuffered = 0;
    const deadline = Date.now() + 20_000;
    for (;;) {
      status = await (await fetch(statusUrl)).json();
      const own = status.clients.find((c: any) => c.id === stalledId());
      maxBuffered = Math.max(maxBuffered, own?.buffered_bytes ?? 0);
      if (own && own.dropped_batches + own.downsampled_batches >= 50 && readers.every((r) => r.data.length >= 100)) break;
      if (Date.now() > deadline) throw new Error(`stalled client never hit its limit: ${JSON.stringify(own)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    running.runner.stop();
    const result = await running.done;
    expect(result.reason).toBe('stopped');

    // The recording side lost nothing: every row the simulator produced reached the counting sink, in order.
    const produced = result.metrics.get('node')!.itemsOut;
    expect(seqGaps(collected.get('count')!.batches)).toEqual({ rows: produced, gaps: 0 });
    expect(result.metrics.get('count')!.drops).toBe(0);

    // The stalled client's losses are counted, every batch it was offered is accounted for, and the
    // bytes queued for it stayed within the policy's cap (downsample: 8x client_buffer; drop: 1x).
    const stalledSnapshot = status.clients.find((c: any) => c.id === stalledId());
    expect(stalledSnapshot.dropped_batches + stalledSnapshot.downsampled_batches).toBeGreaterThanOrEqual(50);
    if (policy === 'drop') expect(stalledSnapshot.downsampled_batches).toBe(0);
    expect(maxBuffered).toBeGreaterThan(CLIENT_BUFFER);
    expect(maxBuffered).toBeLessThanOrEqual(bound);
    for (const c of status.clients) {
      expect(c.offered_batches).toBe(c.sent_batches + c.dropped_batches + c.downsampled_batches + c.rate_limited_batches);
    }
    const live = result.metrics.get('live')!;
    const skipped = (live.counters.get('client_dropped_batches') ?? 0) + (live.counters.get('client_downsampled_batches') ?? 0);
    expect(skipped).toBeGreaterThanOrEqual(stalledSnapshot.dropped_batches + stalledSnapshot.downsampled_batches);

    // Readers kept up: what the server sent them at the snapshot had all arrived by then or soon after.
    for (const reader of readers) {
      const snapshot = status.clients.find((c: any) => c.id === reader.control[0].client_id);
      expect(reader.data.length).toBeGreaterThanOrEqual(snapshot.sent_batches);
      const seqs = reader.data.map((d) => d.header.seq);
      expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1])).toBe(true);
    }
  });

  it.each([
    ['slow_client: close', 'close', '0'],
    ['slow_client: drop and close_after: 300ms', 'drop', '300ms'],
  ])('with %s, disconnects the stalled client and counts it', async (_name, policy, closeAfter) => {
    running = await startPipeline(pipeline(policy, closeAfter));
    const url = wsUrl(running.url, '?history=0');
    const reader = new TestClient(url);
    const stalled = new TestClient(url);
    clients.push(reader, stalled);
    await Promise.all([reader.opened, stalled.opened]);
    (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const live = running.runner.metrics.get('live')!;
    await reader.until(() => (live.counters.get('clients_closed_slow') ?? 0) === 1, 'the stalled client to be closed', 20_000);
    const before = reader.data.length;
    await reader.until(() => reader.data.length > before + 10, 'the reader to keep receiving');
    expect(reader.closeCode).toBeUndefined();
  });
});
