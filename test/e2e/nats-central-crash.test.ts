import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ConsumerInfo, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanups.js';
import { type RecordsBatch, recordsBatch } from '../../src/core/batch.js';
import { NatsServerProcess } from '../../src/core/nats/server-process.js';
import { standaloneContext } from '../../src/core/standalone.js';
import { natsSink } from '../../src/sinks/nats/index.js';
import { CliProcess } from '../helpers/cli-process.js';
import { filesEndingWith, query, withDuckDB } from '../sinks/recording/fixtures.js';

const NODES = ['n1', 'n2'];
const MESSAGES_PER_NODE = 150;
const ROWS_PER_MESSAGE = 1000;
const TOTAL_ROWS = NODES.length * MESSAGES_PER_NODE * ROWS_PER_MESSAGE;

function batch(first: number): RecordsBatch {
  const seq = new Uint32Array(ROWS_PER_MESSAGE).map((_, i) => first + i);
  const value = new Float64Array(ROWS_PER_MESSAGE).map((_, i) => (first + i) * 0.5);
  return recordsBatch('node', [{ name: 'seq', type: 'u32' }, { name: 'value', type: 'f64' }], { seq, value }, ROWS_PER_MESSAGE);
}

/** Publishes every node's rows, seq 0.. per node, through the real `nats` sink, one message per batch. */
async function publishAll(url: string): Promise<void> {
  for (const node of NODES) {
    const sink = await natsSink.create(natsSink.options.parse({ url, node, linger: 0 }), standaloneContext(`uplink-${node}`, { kind: 'sink', type: 'nats' }));
    for (let m = 0; m < MESSAGES_PER_NODE; m++) await sink.write(batch(m * ROWS_PER_MESSAGE));
    await sink.close();
  }
}

/** The central recording of pipelines/testbed-central.yml, reduced to nats -> parquet partitioned by node. */
function centralPipeline(dir: string, url: string): string {
  const file = path.join(dir, 'central.yml');
  writeFileSync(
    file,
    `name: central
sources:
  nodes: { type: nats, url: "${url}", subject: "tm.>", consumer: central, fetch_max: 8, max_ack_pending: 32, ack_interval: 50ms, ack_wait: 5s }
sinks:
  recording: { type: parquet, inputs: [nodes], path: "rec/{start}.parquet", partition_by: [node], flush_interval: 100ms }
`,
  );
  return file;
}

async function consumerInfo(nc: NatsConnection): Promise<ConsumerInfo | undefined> {
  const jsm = await jetstreamManager(nc);
  return jsm.consumers.info('TELEMETRY', 'central').catch(() => undefined);
}

/** Polls the consumer (bounded) until `check` holds. */
async function waitForConsumer(nc: NatsConnection, check: (info: ConsumerInfo) => boolean, what: string, timeoutMs = 60_000): Promise<ConsumerInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await consumerInfo(nc);
    if (info && check(info)) return info;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; consumer: ${JSON.stringify(info && { ack_floor: info.ack_floor, pending: info.num_pending, ack_pending: info.num_ack_pending })}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Rows of the dataset per (node, seq): how many distinct pairs, how many rows in all. */
async function countRows(dir: string): Promise<{ rows: number; distinct: number; perNode: Record<string, { n: number; min: number; max: number }> }> {
  return withDuckDB(async (db) => {
    const glob = `read_parquet('${dir}/rec/**/*.parquet', hive_partitioning = true)`;
    const [all] = await query(db, `SELECT count(*)::BIGINT AS n, count(DISTINCT (node, seq))::BIGINT AS d FROM ${glob}`);
    const nodes = await query(db, `SELECT node, count(DISTINCT seq)::BIGINT AS n, min(seq)::BIGINT AS lo, max(seq)::BIGINT AS hi FROM ${glob} GROUP BY node ORDER BY node`);
    const perNode = Object.fromEntries(nodes.map((r) => [String(r.node), { n: Number(r.n), min: Number(r.lo), max: Number(r.hi) }]));
    return { rows: Number(all.n), distinct: Number(all.d), perNode };
  });
}

const everyRow = Object.fromEntries(NODES.map((node) => [node, { n: MESSAGES_PER_NODE * ROWS_PER_MESSAGE, min: 0, max: MESSAGES_PER_NODE * ROWS_PER_MESSAGE - 1 }]));

describe('central recording from JetStream, with real processes', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    await runCleanups(cleanups);
  });

  async function setup() {
    const dir = mkdtempSync(path.join(tmpdir(), 'central-crash-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const nats = await NatsServerProcess.start(path.join(dir, 'store'));
    cleanups.push(() => nats.stop());
    const nc = await connect({ servers: nats.url });
    cleanups.push(() => nc.close());
    await publishAll(nats.url);
    return { dir, nats, nc, pipeline: centralPipeline(dir, nats.url) };
  }

  function central(pipeline: string, dir: string, wrapper?: string[]): CliProcess {
    const cli = new CliProcess(['run', pipeline, '--data-dir', dir], { wrapper });
    cleanups.push(() => cli.stop('SIGKILL'));
    return cli;
  }

  it('records every published row exactly once across a kill -9 of the central pipeline and a restart', async () => {
    const { dir, nc, pipeline } = await setup();
    const first = central(pipeline, dir);
    // Mid-run: some messages acknowledged (so durable), many still waiting.
    await waitForConsumer(nc, (i) => i.ack_floor.stream_seq >= 20 && i.num_pending > 50, 'acknowledgements mid-run');
    process.kill(first.child.pid!, 'SIGKILL');
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    const atKill = (await consumerInfo(nc))!;
    // The killed run leaves journals; no `pipeline recover`: the restarted sink completes them itself.
    expect(filesEndingWith(dir, '.journal').length).toBeGreaterThan(0);

    const second = central(pipeline, dir);
    await waitForConsumer(nc, (i) => i.num_pending === 0 && i.num_ack_pending === 0 && i.ack_floor.stream_seq === NODES.length * MESSAGES_PER_NODE, 'every message acknowledged');
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(filesEndingWith(dir, '.journal')).toEqual([]);

    const result = await countRows(dir);
    expect(result.perNode).toEqual(everyRow);
    expect(result.distinct).toBe(TOTAL_ROWS);
    // Rows durable but unacknowledged at the kill were not written again.
    expect(result.rows).toBe(TOTAL_ROWS);
    const skipped = Number((second.stderr + second.stdout).match(/(\d+) of them are already recorded/)?.[1] ?? 0);
    console.log(`central kill -9: ${atKill.num_ack_pending} messages unacknowledged at the kill, ${skipped} of them already recorded and skipped after the restart; ${result.rows} rows for ${TOTAL_ROWS} published`);
  }, 180_000);

  it('stops promptly when the broker is gone at its stop, and the next run records the rest, every row once', async () => {
    const { dir, nats, nc, pipeline } = await setup();
    const first = central(pipeline, dir);
    await waitForConsumer(nc, (i) => i.ack_floor.stream_seq >= 20 && i.num_pending > 50, 'acknowledgements mid-run');
    await nc.close();
    await nats.stop();
    await first.waitFor(/nats: disconnected/);
    // Nothing to wait for: the stop ends without the broker (bounded by the test's timeout, not
    // ack_wait), with an error that names what the next run does about it.
    const stoppedAt = Date.now();
    expect(await first.stop('SIGTERM'), first.stderr).toBe(1);
    expect(first.stderr).toMatch(/error: component "nodes" failed: the broker is unreachable at stop; .* the next run, which finds their rows in the recording/);
    expect(first.stderr).toMatch(/unreachable_at_stop=1/);
    console.log(`central stop without a broker took ${Date.now() - stoppedAt} ms`);

    await nats.restart();
    const nc2 = await connect({ servers: nats.url });
    cleanups.push(() => nc2.close());
    const second = central(pipeline, dir);
    await waitForConsumer(nc2, (i) => i.num_pending === 0 && i.num_ack_pending === 0 && i.ack_floor.stream_seq === NODES.length * MESSAGES_PER_NODE, 'every message acknowledged');
    expect(await second.stop('SIGTERM')).toBe(0);
    const result = await countRows(dir);
    expect(result.perNode).toEqual(everyRow);
    expect(result.rows).toBe(TOTAL_ROWS);
  }, 180_000);

  it('acknowledges nothing while the recording cannot be written, and a restart gets every message again', async () => {
    const { dir, nc, pipeline } = await setup();
    // A file size limit of 1 KiB: the first journal write fails (EFBIG), before any row is durable.
    const failing = central(pipeline, dir, ['bash', '-c', 'ulimit -f 1 && exec "$@"', 'bash']);
    const code = await failing.exited;
    expect(code, failing.stderr).toBe(1);
    expect(failing.stderr + failing.stdout).toMatch(/file size limit reached \(EFBIG\)/);
    const info = await consumerInfo(nc);
    expect(info!.ack_floor.stream_seq).toBe(0);
    expect(info!.num_pending + info!.num_ack_pending).toBe(NODES.length * MESSAGES_PER_NODE);
    expect(info!.num_ack_pending).toBeGreaterThan(0);

    rmSync(path.join(dir, 'rec'), { recursive: true, force: true });
    const second = central(pipeline, dir);
    await waitForConsumer(nc, (i) => i.num_pending === 0 && i.num_ack_pending === 0 && i.ack_floor.stream_seq === NODES.length * MESSAGES_PER_NODE, 'every message acknowledged');
    expect(await second.stop('SIGTERM')).toBe(0);
    const result = await countRows(dir);
    expect(result.perNode).toEqual(everyRow);
    expect(result.rows).toBe(TOTAL_ROWS);
  }, 180_000);
});
