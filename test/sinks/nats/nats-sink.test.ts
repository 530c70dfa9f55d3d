import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../../helpers/cleanups.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { decodeRecordsMessage } from '../../../src/core/arrow-message.js';
import { type RecordsBatch, recordsBatch } from '../../../src/core/batch.js';
import { NatsServerProcess } from '../../../src/core/nats/server-process.js';
import { standaloneContext } from '../../../src/core/standalone.js';
import { natsSink } from '../../../src/sinks/nats/index.js';
import { readStream } from '../../helpers/jetstream-reader.js';
import { waitFor } from '../../helpers/wait.js';

/** `rows` rows: seq counts from `first`, value = seq / 4 (exact in f32), host time 1 us per row. */
function batch(first: number, rows: number, source = 'node'): RecordsBatch {
  const seq = new Uint32Array(rows);
  const value = new Float32Array(rows);
  const t = new Float64Array(rows);
  const device = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    device[i] = (first + i) * 10_000 + 2 ** 40;
    seq[i] = first + i;
    value[i] = (first + i) / 4;
    t[i] = (first + i) * 1000;
  }
  return recordsBatch(source, [{ name: 't', type: 'f64', time: 'host', unit: 'ns' }, { name: 'seq', type: 'u32' }, { name: 'value', type: 'f32', unit: 'V' }, { name: 't_device_ns', type: 'f64', time: 'device' }], { t, seq, value, t_device_ns: device }, rows);
}

describe('nats sink', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    await runCleanups(cleanups);
  });

  async function server(port = 0) {
    const store = mkdtempSync(path.join(tmpdir(), 'nats-store-'));
    const nats = await NatsServerProcess.start(store, { port });
    cleanups.push(() => rmSync(store, { recursive: true, force: true }));
    cleanups.push(() => nats.stop());
    return nats;
  }

  function sink(url: string, options: Record<string, unknown> = {}) {
    const context = standaloneContext('uplink', { kind: 'sink', type: 'nats' });
    const instance = natsSink.create(natsSink.options.parse({ url, node: 'n1', backoff: { initial: '50ms', max: '500ms' }, ...options }), context);
    return { sink: instance as Awaited<typeof instance>, context };
  }

  /** Decodes every stored message and returns the seq values in stream order, with the message ids. */
  async function stored(url: string, stream = 'TELEMETRY') {
    const messages = await readStream(url, stream);
    const context = standaloneContext('reader');
    const seqs: number[] = [];
    const ids = new Set<string>();
    for (const m of messages) {
      ids.add(`${m.headers['Tm-Node']}-${m.headers['Tm-Run']}-${m.headers['Tm-Seq']}`);
      const records = decodeRecordsMessage(m.data, context.clock, 'central');
      expect(Number(m.headers['Tm-Rows'])).toBe(records.length);
      for (const s of records.columns.seq as Uint32Array) seqs.push(s);
    }
    return { messages, seqs, ids };
  }

  it('publishes every row once, split below max_message_bytes, with headers and exact values', async () => {
    const nats = await server();
    const { sink: s, context } = sink(nats.url, { max_message_bytes: '16KiB' });
    await s.write(batch(0, 10));
    await s.write(batch(10, 20_000)); // about 320 kB: must be split
    await s.close();
    const { messages, seqs, ids } = await stored(nats.url);
    expect(seqs).toEqual(Array.from({ length: 20_010 }, (_, i) => i));
    expect(ids.size).toBe(messages.length);
    expect(messages.length).toBeGreaterThan(20);
    for (const m of messages) {
      expect(m.data.length).toBeLessThanOrEqual(16 * 1024);
      expect(m.subject).toBe('tm.test.n1.node');
      expect(m.headers['Tm-Schema']).toMatch(/^[0-9a-f]{8}$/);
    }
    // Values and time survive the round trip: f32 exactly, host time relative to the reader's anchor.
    const reader = standaloneContext('reader');
    const first = decodeRecordsMessage(messages[1].data, reader.clock, 'central');
    const seq = first.columns.seq as Uint32Array;
    const value = first.columns.value as Float32Array;
    const t = first.columns.t as Float64Array;
    for (let i = 0; i < first.length; i++) expect(value[i]).toBe(seq[i] / 4);
    const shift = Number(context.clock.anchorWallNs - reader.clock.anchorWallNs);
    expect(t[0]).toBe(seq[0] * 1000 + shift);
    expect((first.columns.t_device_ns as Float64Array)[0]).toBe(seq[0] * 10_000 + 2 ** 40);
    expect(first.schema.fields.find((f) => f.name === 't_device_ns')?.time).toBe('device');
    expect(first.schema.fields.find((f) => f.name === 'value')?.unit).toBe('V');
    expect(context.metrics.counters.get('acked_rows')).toBe(20_010);
    expect(context.metrics.counters.get('publish_retries') ?? 0).toBe(0);
  });

  it('waits for a broker that is down at start, then delivers everything once', async () => {
    const store = mkdtempSync(path.join(tmpdir(), 'nats-store-'));
    cleanups.push(() => rmSync(store, { recursive: true, force: true }));
    const port = (await import('../../../src/core/nats/server-process.js')).freeLoopbackPort;
    const p = await port();
    const { sink: s, context } = sink(`nats://127.0.0.1:${p}`, { max_in_flight: 2, linger: 0 });
    const writes = (async () => {
      for (let i = 0; i < 5; i++) await s.write(batch(i * 100, 100));
    })();
    await waitFor(() => (context.metrics.counters.get('connect_failures') ?? 0) >= 2, 'failed connects counted');
    const nats = await NatsServerProcess.start(store, { port: p });
    cleanups.push(() => nats.stop());
    await writes;
    await s.close();
    const { seqs } = await stored(nats.url);
    expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('keeps every row across a broker restart mid-stream, counting the retries and the reconnect', async () => {
    const nats = await server();
    const { sink: s, context } = sink(nats.url, { ack_timeout: '500ms', max_in_flight: 4, linger: 0 });
    let next = 0;
    for (let i = 0; i < 20; i++, next += 50) await s.write(batch(next, 50));
    const restart = nats.restart();
    for (let i = 0; i < 40; i++, next += 50) await s.write(batch(next, 50));
    await restart;
    for (let i = 0; i < 20; i++, next += 50) await s.write(batch(next, 50));
    await s.close();
    const { seqs } = await stored(nats.url);
    expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual(Array.from({ length: next }, (_, i) => i));
    expect(seqs.length).toBe(next); // the duplicate window stored retried publishes once
    expect(context.metrics.counters.get('disconnects')).toBeGreaterThanOrEqual(1);
    expect(context.metrics.counters.get('reconnects')).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('refuses a stream that does not capture its subjects, naming both', async () => {
    const nats = await server();
    const nc = await connect({ servers: nats.url });
    await (await jetstreamManager(nc)).streams.add({ name: 'TELEMETRY', subjects: ['other.>'] });
    await nc.close();
    const { sink: s } = sink(nats.url);
    await expect((async () => {
      await s.write(batch(0, 10));
      await s.close();
    })()).rejects.toThrow(/stream "TELEMETRY" \(subjects other\.>\) does not capture tm\.test\.n1\.probe/);
  });

  it('refuses a batch whose single row is larger than max_message_bytes, counted, naming the sizes', async () => {
    const nats = await server();
    const { sink: s, context } = sink(nats.url, { max_message_bytes: '4KiB' });
    await s.write(batch(0, 10));
    const big = new Uint8Array(8192).fill(7);
    const oversized = recordsBatch('node', [{ name: 'blob', type: 'binary' }], { blob: { data: big, offsets: new Int32Array([0, 8192]) } }, 1);
    await expect(s.write(oversized)).rejects.toThrow(/one row of node encodes to \d+ bytes, more than max_message_bytes \(4096\); the batch of 1 rows is refused/);
    expect(context.metrics.errors.get('oversized_rows')).toBe(1);
    await s.write(batch(10, 10));
    await s.close();
    const { seqs } = await stored(nats.url);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('joins small batches of a source into one message, published after linger without another write, in order', async () => {
    const nats = await server();
    const { sink: s, context } = sink(nats.url, { linger: '50ms' });
    for (let i = 0; i < 5; i++) await s.write(batch(i * 10, 10));
    await s.write(batch(1000, 7, 'other')); // another source: a run of its own
    await waitFor(() => context.metrics.counters.get('acked_messages') === 2, 'both runs published once linger passed', 5_000);
    // A batch with other columns cannot join the run before it: that run goes first, then it.
    await s.write(batch(50, 10));
    await s.write(recordsBatch('node', [{ name: 'seq', type: 'u32' }], { seq: Uint32Array.from({ length: 10 }, (_, i) => 60 + i) }, 10));
    await s.close();
    const { messages, seqs } = await stored(nats.url);
    expect(messages.map((m) => [m.subject, Number(m.headers['Tm-Rows'])])).toEqual([
      ['tm.test.n1.node', 50],
      ['tm.test.n1.other', 7],
      ['tm.test.n1.node', 10],
      ['tm.test.n1.node', 10],
    ]);
    expect(seqs).toEqual([...Array.from({ length: 50 }, (_, i) => i), ...Array.from({ length: 7 }, (_, i) => 1000 + i), ...Array.from({ length: 20 }, (_, i) => 50 + i)]);
    expect(messages.map((m) => Number(m.headers['Tm-Seq']))).toEqual([0, 1, 2, 3]);
  });

  it('sync publishes held rows at once and resolves only once the broker acknowledged them', async () => {
    const nats = await server();
    const { sink: s, context } = sink(nats.url, { linger: '1h' });
    for (let i = 0; i < 3; i++) await s.write(batch(i * 10, 10));
    expect(context.metrics.counters.get('published_messages') ?? 0).toBe(0);
    await s.sync!();
    expect(context.metrics.counters.get('acked_rows')).toBe(30);
    await s.close();
    expect((await stored(nats.url)).seqs).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('sync resolves only once the broker acknowledged every message written before it', async () => {
    const nats = await server();
    const { sink: s, context } = sink(nats.url, { ack_timeout: '300ms', max_in_flight: 64, linger: 0 });
    for (let i = 0; i < 5; i++) await s.write(batch(i * 10, 10));
    await s.sync!();
    expect(context.metrics.counters.get('acked_messages')).toBe(5);
    // With the broker away, writes go into flight and sync waits until it is back and has them.
    await nats.stop();
    for (let i = 5; i < 10; i++) await s.write(batch(i * 10, 10));
    let synced = false;
    const sync = s.sync!().then(() => (synced = true));
    await waitFor(() => (context.metrics.counters.get('publish_retries') ?? 0) >= 1, 'a retry while the broker is away', 20_000);
    expect(synced).toBe(false);
    await nats.restart();
    await sync;
    expect(context.metrics.counters.get('acked_messages')).toBe(10);
    await s.close();
    // Retried publishes may be stored in another order; each once.
    const { seqs } = await stored(nats.url);
    expect(seqs.length).toBe(100);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  }, 60_000);
});
