// Scale-out: N node pipelines (pipelines/testbed-node.yml: simulated harvesters at the testbed rate,
// 100 kHz each) publish through one local nats-server (JetStream, file storage) to the central
// pipeline (pipelines/testbed-central.yml), which records one Hive-partitioned Parquet dataset.
// For N = 1, 10, 30: rows/s recorded, end-to-end latency (sample host time to the broker's
// acknowledgement floor passing its message, i.e. durable at the central), CPU of the central
// pipeline and of one node over a fixed window, and whether N held real time with nothing lost.
//   npm run bench -- scale-out
//   SCALE_NODES=1,10 SCALE_WINDOW_S=15 SCALE_PROFILE=1 node --import tsx bench/scale-out.ts
// SCALE_PROFILE=1 runs the central pipeline with --cpu-prof and prints its top functions.
// Every process runs the compiled `pipeline` command (bench/support/compiled.ts), as users run it.
// SCALE_BASELINE=DIR runs the command and pipeline files of another checkout instead (a worktree at
// the commit to compare with), compiled the same way, so two versions are measured alike.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsServerProcess } from '../src/core/nats/server-process.js';
import { compiledRunner } from './support/compiled.js';
import { report } from './support/report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BASELINE = process.env.SCALE_BASELINE ? path.resolve(process.env.SCALE_BASELINE) : undefined;
/** The checkout whose command and pipeline files run. */
const MEASURED = BASELINE ?? ROOT;
const CLI = path.join(path.dirname(BASELINE ? compiledRunner(BASELINE, 'dist-baseline') : compiledRunner()), 'cli.js');
const NODE_COUNTS = (process.env.SCALE_NODES ?? '1,10,30').split(',').map(Number);
const WINDOW_S = Number(process.env.SCALE_WINDOW_S ?? 10);
const PROFILE = process.env.SCALE_PROFILE === '1';
const RATE_HZ = 100_000;
/** Longest the central may take to record the backlog once the nodes stopped. */
const DRAIN_LIMIT_S = 60;
const CLK_TCK = 100;

interface Proc {
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

function startPipeline(args: string[], env: NodeJS.ProcessEnv, nodeFlags: string[] = []): Proc {
  const child = spawn(process.execPath, [...nodeFlags, CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc: Proc = { child, output: '', exited: new Promise((resolve) => child.once('close', (code) => resolve(code))) };
  const keep = (chunk: Buffer) => {
    proc.output = (proc.output + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return proc;
}

/** CPU seconds (user + system, all threads) of a process so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

async function until(check: () => Promise<boolean>, limitS: number): Promise<boolean> {
  const deadline = Date.now() + limitS * 1000;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

async function stopByPid(proc: Proc, graceMs = 60_000): Promise<number | null> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) process.kill(proc.child.pid!, 'SIGTERM');
  const timer = setTimeout(() => proc.child.exitCode === null && process.kill(proc.child.pid!, 'SIGKILL'), graceMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}

async function nodesPublishing(jsm: JetStreamManager): Promise<number> {
  const info = await jsm.streams.info('TESTBED', { subjects_filter: 'tm.testbed.>' }).catch(() => undefined);
  return new Set(Object.keys(info?.state.subjects ?? {}).map((s) => s.split('.')[2])).size;
}

/** Top functions by self time in a V8 CPU profile. */
function topFunctions(file: string, count = 12): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  for (const id of profile.samples) {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + 1);
  }
  const total = profile.samples.length;
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, count).map(([key, n]) => `${((100 * n) / total).toFixed(1).padStart(5)} %  ${key}`);
}

async function runOnce(nodes: number): Promise<{ row: Record<string, string | number>; notes: string[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  const nats = await NatsServerProcess.start(path.join(dir, 'store'));
  const nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  const env = { NATS_URL: nats.url, RECORDINGS_DIR: 'rec', LIVE_LISTEN: '127.0.0.1:0' };
  const notes: string[] = [];
  const procs: Proc[] = [];
  try {
    const central = startPipeline(['run', path.join(MEASURED, 'pipelines/testbed-central.yml'), '--data-dir', dir, '--log-level', 'warn'], env, PROFILE ? ['--cpu-prof', '--cpu-prof-dir', path.join(dir, 'profile')] : []);
    procs.push(central);
    await until(async () => (await jsm.consumers.info('TESTBED', 'central').catch(() => undefined)) !== undefined, 60);
    const nodeProcs = Array.from({ length: nodes }, (_, i) =>
      startPipeline(['run', path.join(MEASURED, 'pipelines/testbed-node.yml'), '--data-dir', dir, '--log-level', 'warn'], { ...env, NODE_NAME: `node-${i + 1}`, SEED: String(i + 1) }),
    );
    procs.push(...nodeProcs);
    if (!(await until(async () => (await nodesPublishing(jsm)) === nodes, 180))) throw new Error(`only ${await nodesPublishing(jsm)} of ${nodes} nodes published within 180 s`);

    // The measured window: every node publishing, nothing else starting.
    const acks: [number, number][] = [];
    const poll = setInterval(() => {
      const t = Date.now();
      void jsm.consumers.info('TESTBED', 'central').then((info) => acks.push([t, info.ack_floor.stream_seq]), () => undefined);
    }, 100);
    const w0 = Date.now();
    const cpu0 = { central: cpuSeconds(central.child.pid!), node: cpuSeconds(nodeProcs[0].child.pid!) };
    await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
    const w1 = Date.now();
    const cpu1 = { central: cpuSeconds(central.child.pid!), node: cpuSeconds(nodeProcs[0].child.pid!) };
    const backlogAtEnd = (await jsm.consumers.info('TESTBED', 'central')).num_pending;
    const nodeCodes = await Promise.all(nodeProcs.map((p) => stopByPid(p)));
    if (nodeCodes.some((c) => c !== 0)) notes.push(`N=${nodes}: ${nodeCodes.filter((c) => c !== 0).length} nodes exited with an error: ${nodeProcs.find((p) => p.child.exitCode !== 0)?.output.slice(-500)}`);
    const nodesStopped = Date.now();
    const last = (await jsm.streams.info('TESTBED')).state.last_seq;
    const drained = await until(async () => {
      const info = await jsm.consumers.info('TESTBED', 'central').catch(() => undefined);
      return info !== undefined && info.ack_floor.stream_seq === last && info.num_ack_pending === 0;
    }, DRAIN_LIMIT_S);
    const drainS = (Date.now() - nodesStopped) / 1000;
    clearInterval(poll);
    acks.push([Date.now(), (await jsm.consumers.info('TESTBED', 'central')).ack_floor.stream_seq]);
    const centralCode = await stopByPid(central, 120_000);
    if (centralCode !== 0) notes.push(`N=${nodes}: the central pipeline exited ${centralCode}: ${central.output.slice(-800)}`);
    const published = nodeProcs.reduce((n, p) => n + Number(/acked_rows=(\d+)/.exec(p.output)?.[1] ?? NaN), 0);

    const stats = await datasetStats(dir, acks, w0, w1);
    // Rows the central did not record before the drain limit stay in the broker: not drained, not lost.
    const lost = drained ? published - stats.rows : 0;
    const realTime = drained && lost === 0 && stats.unacknowledged === 0 && stats.duplicates === 0 && stats.windowRowsPerS >= 0.98 * nodes * RATE_HZ && stats.p99Ms < 2000;
    if (PROFILE) {
      const profileDir = path.join(dir, 'profile');
      const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
      if (file) notes.push(`central CPU profile, N=${nodes} (self time, top functions):`, ...topFunctions(path.join(profileDir, file)).map((l) => `  ${l}`));
    }
    return {
      row: {
        nodes,
        'offered rows/s': nodes * RATE_HZ,
        'recorded rows/s (window)': Math.round(stats.windowRowsPerS),
        'p50 ms': stats.unacknowledged > 0 && !(stats.p50Ms >= 0) ? 'n/a' : Math.round(stats.p50Ms),
        'p99 ms': stats.unacknowledged > 0 ? `>${Math.round(acks[acks.length - 1][0] - w1)}` : Math.round(stats.p99Ms),
        'central CPU %': Math.round((100 * (cpu1.central - cpu0.central)) / ((w1 - w0) / 1000)),
        'node CPU %': Math.round((100 * (cpu1.node - cpu0.node)) / ((w1 - w0) / 1000)),
        'backlog at end (msgs)': backlogAtEnd,
        'drain s': drained ? Number(drainS.toFixed(1)) : `>${DRAIN_LIMIT_S}`,
        'rows published': published,
        'rows recorded': stats.rows,
        'not drained': drained ? 0 : published - stats.rows,
        duplicates: stats.duplicates,
        'real time': realTime ? 'yes' : 'no',
      },
      notes,
    };
  } finally {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) process.kill(p.child.pid!, 'SIGKILL');
    await nc.close().catch(() => undefined);
    await nats.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads the dataset back with DuckDB: rows, duplicates by (node, seq, sample index), rows per second
 * of host time inside the window, and latency from each row's host time to the first poll at which
 * the consumer's acknowledgement floor had passed its message (so at most one poll, 100 ms, late).
 */
async function datasetStats(dir: string, acks: readonly [number, number][], w0: number, w1: number) {
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const dataset = `read_parquet('${dir}/rec/testbed/**/*.parquet', hive_partitioning = true)`;
    const [counts] = (await db.runAndReadAll(`SELECT count(*)::BIGINT AS n, count(DISTINCT (node, seq, i))::BIGINT AS d FROM ${dataset}`)).getRowObjects();
    await db.run('CREATE TABLE acks (t_ms BIGINT, floor BIGINT)');
    const floors = acks.filter(([, floor], i) => i === 0 || floor > acks[i - 1][1]);
    for (let i = 0; i < floors.length; i += 1000) await db.run(`INSERT INTO acks VALUES ${floors.slice(i, i + 1000).map(([t, f]) => `(${t}, ${f})`).join(', ')}`);
    const window = `epoch_ms(host_time) BETWEEN ${w0} AND ${w1}`;
    const [latency] = (
      await db.runAndReadAll(`
      WITH rows AS (SELECT stream_seq, epoch_ns(host_time) AS t_ns FROM ${dataset} WHERE ${window})
      SELECT count(*)::BIGINT AS n,
             quantile_cont((a.t_ms * 1000000 - r.t_ns) / 1e6, 0.5) AS p50,
             quantile_cont((a.t_ms * 1000000 - r.t_ns) / 1e6, 0.99) AS p99
      FROM rows r ASOF JOIN acks a ON r.stream_seq <= a.floor`)
    ).getRowObjects();
    const [inWindow] = (await db.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM ${dataset} WHERE ${window}`)).getRowObjects();
    // Rows of the window not yet acknowledged when the run was cut off have no latency to show.
    const unacknowledged = Number(inWindow.n) - Number(latency.n);
    return {
      unacknowledged,
      rows: Number(counts.n),
      duplicates: Number(counts.n) - Number(counts.d),
      windowRowsPerS: Number(inWindow.n) / ((w1 - w0) / 1000),
      p50Ms: Number(latency.p50),
      p99Ms: Number(latency.p99),
    };
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

const rows: Record<string, string | number>[] = [];
const notes: string[] = [...(BASELINE ? [`baseline: ${BASELINE}`] : []), `load before: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; window ${WINDOW_S} s per N; real time = drained within ${DRAIN_LIMIT_S} s, nothing lost or doubled, >= 98 % of the offered rate recorded in the window, p99 < 2 s`];
for (const n of NODE_COUNTS) {
  const started = Date.now();
  try {
    const result = await runOnce(n);
    rows.push(result.row);
    notes.push(...result.notes, `N=${n}: ${((Date.now() - started) / 1000).toFixed(0)} s including start and drain`);
    console.log(JSON.stringify(result.row));
  } catch (error) {
    // A count the machine cannot even start (all nodes publishing) is a result too, not a crash of the benchmark.
    rows.push({ nodes: n, 'offered rows/s': n * RATE_HZ, 'real time': 'no' });
    notes.push(`N=${n}: ${(error as Error).message}`);
  }
}
const held = rows.filter((r) => r['real time'] === 'yes').map((r) => Number(r.nodes));
notes.push(`largest N held in real time: ${held.length ? Math.max(...held) : 'none'}; load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
report('scale-out', rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? '-']))), notes);
