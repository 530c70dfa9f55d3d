import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, headers } from '@nats-io/transport-node';
import type { Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../../helpers/cleanups.js';
import { type RecordsBatch, type StringColumn, recordsBatch } from '../../../src/core/batch.js';
import { NatsServerProcess } from '../../../src/core/nats/server-process.js';
import { standaloneContext } from '../../../src/core/standalone.js';
import { natsSink } from '../../../src/sinks/nats/index.js';
import { natsSource } from '../../../src/sources/nats/index.js';
import { waitFor } from '../../helpers/wait.js';
import { defaultRegistry } from '../../../src/components.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { silentLogger } from '../../../src/core/log.js';
import { Runner } from '../../../src/core/runner/runner.js';
import { query, withDuckDB } from '../../sinks/recording/fixtures.js';

function batch(first: number, rows: number): RecordsBatch {
  const seq = new Uint32Array(rows).map((_, i) => first + i);
  return recordsBatch('node', [{ name: 'seq', type: 'u32' }], { seq }, rows);
}

describe('nats source', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    await runCleanups(cleanups);
  });

  async function server() {
    const store = mkdtempSync(path.join(tmpdir(), 'nats-store-'));
    const nats = await NatsServerProcess.start(store);
    cleanups.push(() => rmSync(store, { recursive: true, force: true }));
    cleanups.push(() => nats.stop());
    return nats;
  }

  /** Publishes through a nats sink, one message per batch (or more, split); returns the number of messages the broker acknowledged. */
  async function publish(url: string, node: string, batches: Iterable<RecordsBatch>): Promise<number> {
    const context = standaloneContext(`uplink-${node}`, { kind: 'sink', type: 'nats' });
    const sink = await natsSink.create(natsSink.options.parse({ url, node, linger: 0 }), context);
    for (const b of batches) await sink.write(b);
    await sink.close();
    return context.metrics.counters.get('acked_messages') ?? 0;
  }

  /** Starts the source; `durable` decides when its rows count as durable. Returns what it emitted. */
  function read(url: string, durable: () => Promise<void> = () => Promise.resolve(), options: Record<string, unknown> = {}) {
    const base = standaloneContext('central', { kind: 'source', type: 'nats' });
    const context = { ...base, durable };
    const rows: { node: string; seq: number }[] = [];
    const sources = new Set<string>();
    let done = false;
    const subscription: Subscription = natsSource
      .create(natsSource.options.parse({ url, ack_interval: '50ms', ...options }), context)
      .subscribe({
        next(b) {
          const records = b as RecordsBatch;
          sources.add(records.source);
          const node = records.columns.node as StringColumn;
          const seq = records.columns.seq as Uint32Array;
          for (let i = 0; i < records.length; i++) rows.push({ node: node.dictionary[node.codes[i]], seq: seq[i] });
        },
        complete: () => (done = true),
        error: () => {
          done = true;
        },
      });
    const stop = async () => {
      base.abort.abort();
      await waitFor(() => done, 'source completed');
      subscription.unsubscribe();
    };
    cleanups.push(stop);
    return { rows, sources, context: base, stop };
  }

  /**
   * Runs a central pipeline (nats source into a partitioned parquet recording) in this process until
   * the source has acknowledged `messages` messages, then stops it; returns the recording's folder
   * and the final metrics of both components.
   */
  async function recordUntilAcked(url: string, messages: number, timeoutMs: number) {
    const dir = mkdtempSync(path.join(tmpdir(), 'nats-central-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const plan = loadPipelineText(`
name: central
sources: { nodes: { type: nats, url: "${url}", ack_interval: 50ms } }
sinks: { recording: { type: parquet, inputs: [nodes], path: "rec/{start}.parquet", partition_by: [node] } }
`, defaultRegistry(), { dataDir: dir });
    const runner = new Runner(plan, { log: silentLogger, dataDir: dir });
    const done = runner.run();
    const metrics = (id: string) => runner.metrics.snapshot().find((m) => m.id === id)!;
    await waitFor(() => metrics('nodes').counters.acked === messages, `${messages} messages acknowledged`, timeoutMs);
    runner.stop();
    expect((await done).reason).toBe('stopped');
    return { dir, source: metrics('nodes'), recording: metrics('recording') };
  }

  it('reads every row of several nodes once, with a node column and one stream key per node', async () => {
    const nats = await server();
    await publish(nats.url, 'n1', [batch(0, 100), batch(100, 100)]);
    await publish(nats.url, 'n2', [batch(0, 50)]);
    const { rows, sources, context, stop } = read(nats.url);
    await waitFor(() => rows.length === 250, '250 rows');
    await waitFor(() => context.metrics.counters.get('acked') === 3, 'three messages acknowledged');
    await stop();
    expect(rows.filter((r) => r.node === 'n1').map((r) => r.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(rows.filter((r) => r.node === 'n2').map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect([...sources].sort()).toEqual(['central#n1', 'central#n2']);
    // Acknowledged: a second reader on the same durable consumer gets nothing.
    const again = read(nats.url);
    await waitFor(() => (again.context.metrics.counters.get('pulls') ?? 0) >= 2, 'two pulls');
    await again.stop();
    expect(again.rows).toEqual([]);
  });

  it('redelivers what was never durable to the next reader of the durable consumer', async () => {
    const nats = await server();
    await publish(nats.url, 'n1', [batch(0, 10), batch(10, 10), batch(20, 10)]);
    // The sinks never report durability: nothing may be acknowledged.
    const crash = new AbortController();
    const never = () =>
      new Promise<void>((_, reject) => {
        if (crash.signal.aborted) reject(new Error('crashed'));
        crash.signal.addEventListener('abort', () => reject(new Error('crashed')));
      });
    const first = read(nats.url, never, { ack_wait: '1s' });
    await waitFor(() => first.rows.length === 30, 'first delivery');
    // A crashed reader: it stops without acknowledging.
    crash.abort();
    await first.stop();
    expect(first.context.metrics.counters.get('acked') ?? 0).toBe(0);
    const second = read(nats.url, undefined, { ack_wait: '1s' });
    await waitFor(() => second.rows.length === 30, 'redelivery', 15_000);
    expect(second.rows.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(second.context.metrics.counters.get('redelivered')).toBe(3);
  }, 30_000);

  it('moves unreadable messages to the dead-letter subject, counted, and goes on', async () => {
    const nats = await server();
    await publish(nats.url, 'n1', [batch(0, 10)]);
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const h = headers();
    h.set('Tm-Node', 'n9');
    h.set('Tm-Run', 'r');
    h.set('Tm-Seq', '0');
    const js = (await import('@nats-io/jetstream')).jetstream(nc);
    await js.publish('tm.test.n9.node', new TextEncoder().encode('not arrow'), { headers: h });
    await js.publish('tm.test.n9.node', new TextEncoder().encode('no headers'));
    await publish(nats.url, 'n1', [batch(10, 10)]);
    const { rows, context, stop } = read(nats.url);
    await waitFor(() => rows.length === 20, 'the good rows');
    await waitFor(() => (context.metrics.errors.get('dead_letter_format') ?? 0) === 1 && (context.metrics.errors.get('dead_letter_headers') ?? 0) === 1, 'both counted');
    await waitFor(() => context.metrics.counters.get('acked') === 2, 'good messages acknowledged');
    await stop();
    const dead = await jsm.streams.info('TELEMETRY_DEAD');
    expect(dead.state.messages).toBe(2);
    const stream = await jsm.consumers.info('TELEMETRY', 'central');
    expect(stream.num_pending + stream.num_ack_pending).toBe(0); // nothing left to redeliver
    await nc.close();
  });

  it('moves a message larger than max_message_bytes to the dead-letter subject, counted, without decoding it', async () => {
    const nats = await server();
    await publish(nats.url, 'n1', [batch(0, 10), batch(10, 2000), batch(2010, 10)]);
    const { rows, context, stop } = read(nats.url, undefined, { max_message_bytes: '4KiB' });
    await waitFor(() => (context.metrics.errors.get('dead_letter_too_large') ?? 0) === 1 && rows.length === 20, 'the large message dead-lettered, the others read');
    await waitFor(() => context.metrics.counters.get('acked') === 2, 'the small messages acknowledged');
    await stop();
    expect(rows.map((r) => r.seq)).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 2010 + i)]);
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const dead = await jsm.streams.getMessage('TELEMETRY_DEAD', { seq: 1 });
    expect(dead!.header.get('Tm-Error')).toMatch(/^too_large: \d+ bytes, more than max_message_bytes \(4096\)$/);
    const left = await jsm.consumers.info('TELEMETRY', 'central');
    expect(left.num_pending + left.num_ack_pending).toBe(0);
    await nc.close();
  });

  it('moves a poison message (one that never becomes durable) to the dead-letter subject after max_deliver deliveries', async () => {
    const nats = await server();
    await publish(nats.url, 'n1', [batch(0, 10)]);
    // Each reader takes the message and dies before it is durable, as a pipeline crashing on it would.
    for (let delivery = 1; delivery <= 2; delivery++) {
      const crash = new AbortController();
      const crashes = () =>
        new Promise<void>((_, reject) => {
          if (crash.signal.aborted) reject(new Error('crashed'));
          crash.signal.addEventListener('abort', () => reject(new Error('crashed')));
        });
      const reader = read(nats.url, crashes, { ack_wait: '1s', max_deliver: 2 });
      await waitFor(() => reader.rows.length === 10, `delivery ${delivery}`, 15_000);
      crash.abort();
      await reader.stop();
      expect(reader.context.metrics.counters.get('acked') ?? 0).toBe(0);
    }
    // The third delivery is past max_deliver: moved, counted, acknowledged as done (terminated).
    const third = read(nats.url, undefined, { ack_wait: '1s', max_deliver: 2 });
    await waitFor(() => (third.context.metrics.errors.get('dead_letter_max_deliver') ?? 0) === 1, 'dead-lettered after 2 deliveries', 15_000);
    await third.stop();
    expect(third.rows).toEqual([]);
    const nc = await connect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const dead = await jsm.streams.getMessage('TELEMETRY_DEAD', { seq: 1 });
    expect(dead!.header.get('Tm-Error')).toBe('max_deliver: delivered 3 times');
    expect(dead!.header.get('Tm-Node')).toBe('n1');
    // Not redelivered forever: a fourth reader gets nothing, after ack_wait has passed for sure.
    const fourth = read(nats.url, undefined, { ack_wait: '1s' });
    await waitFor(() => (fourth.context.metrics.counters.get('pulls') ?? 0) >= 3, 'three pulls of one second each', 15_000);
    await fourth.stop();
    expect(fourth.rows).toEqual([]);
    const left = await jsm.consumers.info('TELEMETRY', 'central');
    expect(left.num_pending + left.num_ack_pending).toBe(0);
    await nc.close();
  }, 60_000);

  it('drains a backlog larger than the server lets one connection queue, without a reconnect, every row once', async () => {
    const nats = await server();
    // 200,000 rows of 65 columns: about 100 MiB in 200 messages of 512 KiB, so a pull of 256 messages
    // would have the server queue more than its max_pending (64 MiB) on the connection at once.
    const ROWS = 200_000;
    const PER_BATCH = 10_000;
    const fields = [{ name: 'seq', type: 'u32' as const }, ...Array.from({ length: 64 }, (_, c) => ({ name: `v${c}`, type: 'f64' as const }))];
    function* wide() {
      for (let first = 0; first < ROWS; first += PER_BATCH) {
        const columns: Record<string, Uint32Array | Float64Array> = { seq: new Uint32Array(PER_BATCH).map((_, i) => first + i) };
        for (let c = 0; c < 64; c++) columns[`v${c}`] = new Float64Array(PER_BATCH).map((_, i) => first + i + c / 64);
        yield recordsBatch('node', fields, columns, PER_BATCH);
      }
    }
    const messages = await publish(nats.url, 'n1', wide());
    expect(messages).toBeGreaterThan(150);
    const { dir, source } = await recordUntilAcked(nats.url, messages, 90_000);
    const { counters, errors } = source;
    expect({ disconnects: counters.disconnects ?? 0, reconnects: counters.reconnects ?? 0, redelivered: counters.redelivered ?? 0, pull_interrupted: errors.pull_interrupted ?? 0 }).toEqual({ disconnects: 0, reconnects: 0, redelivered: 0, pull_interrupted: 0 });
    expect(counters.messages).toBe(messages);
    const [counts] = await withDuckDB((db) => query(db, `SELECT count(*)::BIGINT AS n, count(DISTINCT seq)::BIGINT AS d, min(seq)::BIGINT AS lo, max(seq)::BIGINT AS hi, sum(v63)::DOUBLE AS s FROM read_parquet('${dir}/rec/**/*.parquet')`));
    expect({ n: Number(counts.n), d: Number(counts.d), lo: Number(counts.lo), hi: Number(counts.hi) }).toEqual({ n: ROWS, d: ROWS, lo: 0, hi: ROWS - 1 });
    expect(counts.s).toBe((ROWS * (ROWS - 1)) / 2 + (ROWS * 63) / 64);
  }, 120_000);

  it('records a schema change mid-stream into a new file, without failing', async () => {
    const nats = await server();
    const wide = (first: number, rows: number) =>
      recordsBatch('node', [{ name: 'seq', type: 'u32' }, { name: 'extra', type: 'f64' }], { seq: new Uint32Array(rows).map((_, i) => first + i), extra: new Float64Array(rows).fill(1.5) }, rows);
    await publish(nats.url, 'n1', [batch(0, 100), wide(100, 100), batch(200, 100)]);
    const { dir, recording } = await recordUntilAcked(nats.url, 3, 20_000);
    expect(recording.counters.schema_changes).toBe(2);
    const files = (readdirSync(path.join(dir, 'rec/node=n1')) as string[]).filter((f) => f.endsWith('.parquet'));
    expect(files.length).toBe(3);
    const rows = await withDuckDB((db) => query(db, `SELECT seq::BIGINT AS seq, extra FROM read_parquet('${dir}/rec/**/*.parquet', union_by_name = true) ORDER BY seq`));
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(rows.filter((r) => r.extra === 1.5).length).toBe(100);
  }, 60_000);
});
