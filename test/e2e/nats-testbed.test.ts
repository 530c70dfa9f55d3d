import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ConsumerInfo, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { runCleanups } from '../helpers/cleanups.js';
import { NatsServerProcess } from '../../src/core/nats/server-process.js';
import { ROOT } from '../helpers/cli.js';
import { CliProcess } from '../helpers/cli-process.js';
import { readStream } from '../helpers/jetstream-reader.js';
import { filesEndingWith, query, withDuckDB } from '../sinks/recording/fixtures.js';

/**
 * The worked example with real processes: five node pipelines (pipelines/testbed-node.yml, simulated
 * harvesters with different seeds, at a fifth of the testbed rate for a few seconds) publish to a real
 * nats-server; the central pipeline (pipelines/testbed-central.yml) records them into one Parquet
 * dataset. What the broker stored (headers: node, run, rows) is the reference every check compares with.
 */
const NODES = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
const FRAMES = 6000;
const SAMPLES_PER_FRAME = 25;
const ROWS_PER_RUN = FRAMES * SAMPLES_PER_FRAME;
const NODE_PIPELINE = path.join(ROOT, 'pipelines/testbed-node.yml');
const CENTRAL_PIPELINE = path.join(ROOT, 'pipelines/testbed-central.yml');

interface Published {
  readonly node: string;
  readonly run: string;
  readonly rows: number;
}

describe('testbed over JetStream with real processes: every row exactly once', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    await runCleanups(cleanups);
  });

  async function setup() {
    const dir = mkdtempSync(path.join(tmpdir(), 'testbed-e2e-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const nats = await NatsServerProcess.start(path.join(dir, 'store'));
    cleanups.push(() => nats.stop());
    const nc = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    cleanups.push(() => nc.close());
    const env = { NATS_URL: nats.url, RECORDINGS_DIR: 'rec' };
    const central = () => track(new CliProcess(['run', CENTRAL_PIPELINE, '--data-dir', dir], { env }));
    // `rateHz` sets how long a run lasts (FRAMES frames at that rate), not how many rows it makes.
    const node = (name: string, seed: number, rateHz = 20_000) =>
      track(new CliProcess(['run', NODE_PIPELINE, '--data-dir', dir, '--set', `sources.node.frames=${FRAMES}`, '--set', `sources.node.sample_rate_hz=${rateHz}`], { env: { ...env, NODE_NAME: name, SEED: String(seed) } }));
    return { dir, nats, nc, central, node };
  }

  function track(cli: CliProcess): CliProcess {
    cleanups.push(() => cli.stop('SIGKILL'));
    return cli;
  }

  async function consumerInfo(nc: NatsConnection): Promise<ConsumerInfo | undefined> {
    try {
      return await (await jetstreamManager(nc)).consumers.info('TESTBED', 'central');
    } catch {
      return undefined; // not created yet, or the broker is restarting
    }
  }

  /** Messages in the stream (or on the subjects `filter` matches). */
  async function storedMessages(nc: NatsConnection, filter?: string): Promise<number> {
    try {
      const info = await (await jetstreamManager(nc)).streams.info('TESTBED', filter ? { subjects_filter: filter } : undefined);
      return filter ? Object.values(info.state.subjects ?? {}).reduce((n, c) => n + c, 0) : info.state.last_seq;
    } catch {
      return 0;
    }
  }

  /** Polls (bounded) until `check` holds. */
  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Waits until the central pipeline has acknowledged every stored message, then stops it cleanly. */
  async function drainCentral(nc: NatsConnection, central: CliProcess): Promise<void> {
    const last = await storedMessages(nc);
    await until(async () => {
      const info = await consumerInfo(nc);
      return info !== undefined && info.ack_floor.stream_seq === last && info.num_pending === 0 && info.num_ack_pending === 0;
    }, 'the central pipeline to acknowledge every message');
    expect(await central.stop('SIGTERM'), central.stderr.slice(-3000)).toBe(0);
  }

  /** Every stored message by stream sequence: the node, run and row count of its headers. */
  async function published(url: string): Promise<Map<number, Published>> {
    const messages = await readStream(url, 'TESTBED');
    return new Map(messages.map((m) => [m.seq, { node: m.headers['Tm-Node'], run: m.headers['Tm-Run'], rows: Number(m.headers['Tm-Rows']) }]));
  }

  function rowsBy(messages: Map<number, Published>, key: (p: Published) => string): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of messages.values()) out.set(key(p), (out.get(key(p)) ?? 0) + p.rows);
    return out;
  }

  /**
   * Checks the dataset against the broker: each message's rows exactly once (count per stream_seq and
   * node equal to its headers), no duplicate (node, run, seq, sample index), and nothing else.
   */
  async function checkDataset(dir: string, messages: Map<number, Published>) {
    expect(filesEndingWith(dir, '.journal')).toEqual([]);
    return withDuckDB(async (db) => {
      const dataset = `read_parquet('${dir}/rec/testbed/**/*.parquet', hive_partitioning = true)`;
      const perMessage = await query(db, `SELECT stream_seq::BIGINT AS s, node, count(*)::BIGINT AS n FROM ${dataset} GROUP BY ALL`);
      const recorded = new Map(perMessage.map((r) => [Number(r.s), { node: String(r.node), rows: Number(r.n) }]));
      const expected = new Map([...messages].map(([seq, p]) => [seq, { node: p.node, rows: p.rows }]));
      expect(recorded.size).toBe(expected.size);
      expect(recorded).toEqual(expected);
      await db.run('CREATE TABLE runs (stream_seq BIGINT, run VARCHAR)');
      const values = [...messages].map(([seq, p]) => `(${seq}, '${p.run}')`);
      for (let i = 0; i < values.length; i += 1000) await db.run(`INSERT INTO runs VALUES ${values.slice(i, i + 1000).join(', ')}`);
      const [counts] = await query(db, `SELECT count(*)::BIGINT AS n, count(DISTINCT (d.node, r.run, d.seq, d.i))::BIGINT AS distinct_rows FROM ${dataset} d JOIN runs r USING (stream_seq)`);
      const total = [...messages.values()].reduce((n, p) => n + p.rows, 0);
      expect(Number(counts.n)).toBe(total);
      expect(Number(counts.distinct_rows)).toBe(total);
      console.log(`${expect.getState().currentTestName}: ${messages.size} messages, ${total} rows, each recorded once`);
      return total;
    });
  }

  /** Every node that was not disturbed published exactly the rows its simulator produced, in one run. */
  function expectWholeRuns(messages: Map<number, Published>, nodes: readonly string[]): void {
    const perNode = rowsBy(messages, (p) => p.node);
    const runs = rowsBy(messages, (p) => `${p.node}/${p.run}`);
    for (const node of nodes) {
      expect(perNode.get(node)).toBe(ROWS_PER_RUN);
      expect([...runs.keys()].filter((k) => k.startsWith(`${node}/`)).length).toBe(1);
    }
  }

  /** Starts the nodes once the central pipeline's consumer exists, so they publish while it records. */
  async function startNodes(nc: NatsConnection, node: (name: string, seed: number) => CliProcess): Promise<CliProcess[]> {
    await until(async () => (await consumerInfo(nc)) !== undefined, 'the central consumer');
    return NODES.map((name, i) => node(name, i + 1));
  }

  async function nodesDone(nodes: CliProcess[]): Promise<void> {
    const codes = await Promise.all(nodes.map((n) => n.exited));
    expect(codes, nodes.map((n) => n.stderr.slice(-1500)).join('\n')).toEqual(nodes.map(() => 0));
  }

  it('five nodes -> JetStream -> central -> Parquet: the rows the nodes produced, once', async () => {
    const { dir, nats, nc, central, node } = await setup();
    const recorder = central();
    const nodes = await startNodes(nc, node);
    await nodesDone(nodes);
    await drainCentral(nc, recorder);
    const messages = await published(nats.url);
    expectWholeRuns(messages, NODES);
    expect(await checkDataset(dir, messages)).toBe(NODES.length * ROWS_PER_RUN);
  }, 180_000);

  it('the same with a kill -9 of the central pipeline mid-run and a restart', async () => {
    const { dir, nats, nc, central, node } = await setup();
    const first = central();
    // Half the rate, so the runs last long enough (15 s) to kill the central while they publish.
    const nodes = await startNodes(nc, (name, seed) => node(name, seed, 10_000));
    // Killed while it has written and acknowledged some messages and holds more it has not acknowledged
    // yet: those are what the restart must not record twice.
    await until(async () => {
      const info = await consumerInfo(nc);
      return info !== undefined && info.ack_floor.stream_seq >= 3 && info.num_ack_pending > 0;
    }, 'messages acknowledged and more delivered');
    // Mid-run: the nodes are still publishing.
    expect(nodes.every((n) => n.child.exitCode === null)).toBe(true);
    process.kill(first.child.pid!, 'SIGKILL');
    await first.exited;
    const second = central();
    await nodesDone(nodes);
    await drainCentral(nc, second);
    expect(second.stderr + second.stdout).toMatch(/messages \(stream sequence \d+\.\.\d+\) were delivered to an earlier run/);
    const messages = await published(nats.url);
    expectWholeRuns(messages, NODES);
    expect(await checkDataset(dir, messages)).toBe(NODES.length * ROWS_PER_RUN);
  }, 180_000);

  it('the same with a restart of nats-server mid-run', async () => {
    const { dir, nats, nc, central, node } = await setup();
    const recorder = central();
    const nodes = await startNodes(nc, node);
    await until(async () => (await storedMessages(nc)) >= 20, 'messages stored');
    expect(nodes.every((n) => n.child.exitCode === null)).toBe(true);
    await nats.restart();
    await nodesDone(nodes);
    await drainCentral(nc, recorder);
    expect(nodes.map((n) => n.stderr).join('\n')).toMatch(/reconnects=\d+|publish_retries=\d+/);
    const messages = await published(nats.url);
    expectWholeRuns(messages, NODES);
    expect(await checkDataset(dir, messages)).toBe(NODES.length * ROWS_PER_RUN);
  }, 180_000);

  it('the same with one node killed (kill -9) and restarted: the killed node\'s published rows, once', async () => {
    const { dir, nats, nc, central, node } = await setup();
    const recorder = central();
    const nodes = await startNodes(nc, node);
    const victim = nodes[2];
    await until(async () => (await storedMessages(nc, `tm.testbed.${NODES[2]}.>`)) >= 5, 'messages of the node stored');
    expect(victim.child.exitCode).toBe(null);
    process.kill(victim.child.pid!, 'SIGKILL');
    await victim.exited;
    const again = node(NODES[2], 3);
    await nodesDone([...nodes.filter((n) => n !== victim), again]);
    await drainCentral(nc, recorder);
    const messages = await published(nats.url);
    const others = NODES.filter((n) => n !== NODES[2]);
    expectWholeRuns(messages, others);
    const runs = rowsBy(messages, (p) => `${p.node}/${p.run}`);
    const victimRuns = [...runs].filter(([key]) => key.startsWith(`${NODES[2]}/`));
    // The killed run published part of its rows; the restarted run (a new run id) all of them.
    expect(victimRuns.length).toBe(2);
    expect(victimRuns.map(([, rows]) => rows).sort((a, b) => a - b)[1]).toBe(ROWS_PER_RUN);
    expect(victimRuns.map(([, rows]) => rows).sort((a, b) => a - b)[0]).toBeLessThan(ROWS_PER_RUN);
    const total = await checkDataset(dir, messages);
    expect(total).toBe(others.length * ROWS_PER_RUN + victimRuns.reduce((n, [, rows]) => n + rows, 0));
  }, 180_000);
});
