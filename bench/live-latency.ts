// Live view: (A) added latency from a frame's bytes arriving at a TCP source to a WebSocket client
// receiving the record, at 4,000 frames/s with no downsampling; (B) data messages/s delivered to 1, 10
// and 50 clients. Clients and the TCP device run in their own processes.
//   Run: node --import tsx bench/live-latency.ts     (BENCH_LATENCY_MS, BENCH_REPEATS to shorten)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { mergeMap } from 'rxjs';
import pino from 'pino';
import { Writable } from 'node:stream';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { COMPONENTS } from '../src/components.js';
import { type Batch, recordsBatch } from '../src/core/batch.js';
import type { Clock } from '../src/core/clock.js';
import { defineOperator } from '../src/core/component.js';
import { loadPipelineText } from '../src/core/config/load.js';
import { Registry } from '../src/core/registry.js';
import { Runner } from '../src/core/runner/runner.js';
import { standaloneContext } from '../src/core/standalone.js';
import { encodeDataMessage } from '../src/sinks/websocket/encode.js';
import { websocketSink, type WebsocketSinkInstance } from '../src/sinks/websocket/index.js';
import { median, report } from './support/report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10_000);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 3_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const FRAME_BYTES = 10 + 25 * 8 + 3;

const FIELDS = [
  { name: 'seq', type: 'u16' },
  { name: 't_ticks', type: 'u32', unit: 'us' },
  { name: 'voltage_raw', type: 'u32' },
  { name: 'current_raw', type: 'u32' },
  { name: 'host_time', type: 'f64', unit: 'ns', time: 'host' },
] as const;

/**
 * Cuts the device's bytes into whole frames (fixed size here; a partial frame waits for the next
 * read) and decodes them into records whose host_time is the source's receive time of the read that
 * completed them. It stands in for frame/crc/decode, which this benchmark does not measure; no CRC check.
 */
const benchDecodeOperator = defineOperator({
  type: 'bench_decode',
  summary: 'Benchmark-only: fixed-size harvester frames to records.',
  options: z.strictObject({}),
  input: 'bytes',
  output: 'records',
  create(_options, context) {
    let rest = Buffer.alloc(0);
    return (input) =>
      input.pipe(
        mergeMap((batch: Batch) => {
          if (batch.kind !== 'bytes') return [];
          const data = rest.length > 0 ? Buffer.concat([rest, batch.data]) : batch.data;
          const frames = Math.floor(data.length / FRAME_BYTES);
          rest = Buffer.from(data.subarray(frames * FRAME_BYTES));
          if (frames === 0) return [];
          const n = frames * 25;
          const seq = new Uint16Array(n);
          const ticks = new Uint32Array(n);
          const voltage = new Uint32Array(n);
          const current = new Uint32Array(n);
          for (let f = 0; f < frames; f++) {
            const at = f * FRAME_BYTES;
            for (let i = 0; i < 25; i++) {
              const row = f * 25 + i;
              seq[row] = data.readUInt16LE(at + 2);
              ticks[row] = data.readUInt32LE(at + 4) + i * 10;
              voltage[row] = data.readUInt32LE(at + 10 + i * 8);
              current[row] = data.readUInt32LE(at + 14 + i * 8);
            }
          }
          const columns = { seq, t_ticks: ticks, voltage_raw: voltage, current_raw: current, host_time: new Float64Array(n).fill(batch.hostTimeNs) };
          return [recordsBatch(context.id, FIELDS as never, columns, n)];
        }),
      );
  },
});

/**
 * The runner's clock, with its anchor on CLOCK_MONOTONIC known: process.hrtime is one clock for every
 * process on a Linux machine, so the client process can turn host_time into its own time base.
 */
function benchClock(): Clock & { anchorMonoNs: bigint } {
  const anchorMonoNs = process.hrtime.bigint();
  const anchorWallNs = BigInt(Date.now()) * 1_000_000n;
  return {
    anchorMonoNs,
    anchorWallNs,
    nowNs: () => Number(process.hrtime.bigint() - anchorMonoNs),
    toWallNs: (relativeNs: number) => anchorWallNs + BigInt(Math.round(relativeNs)),
  };
}

function startChild(script: string, args: string[]): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'support', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return { child, output: new Promise((resolve) => child.once('exit', () => resolve(out))) };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** A device process writing 4,000 frames/s once a reader connects; resolves with its port. */
async function startDevice() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'live-bench-'));
  const portFile = path.join(dir, 'port');
  const device = startChild('tcp-device.ts', [portFile, '4000', String(LATENCY_MS + 3000)]);
  await waitFor(() => {
    try {
      return readFileSync(portFile, 'utf8').length > 0;
    } catch {
      return false;
    }
  }, 'the device port');
  const port = Number(readFileSync(portFile, 'utf8'));
  rmSync(dir, { recursive: true });
  return { port, stop: async () => (device.child.kill(), await device.output) };
}

async function measure(feedUrl: string, clients: number, anchorMonoNs: bigint) {
  const feed = startChild('live-clients.ts', [feedUrl, String(clients), String(LATENCY_MS), anchorMonoNs.toString()]);
  const result = JSON.parse(await feed.output);
  const sorted = (result.latenciesUs as number[]).sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, samples: sorted.length };
}

/** (A) device -> tcp source -> bench_decode -> runner -> websocket sink -> client process. */
async function pipelineRun(clients: number) {
  const device = await startDevice();
  let url = '';
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _e, cb) => ((url ||= /"url":"([^"]+)"/.exec(String(chunk))?.[1] ?? ''), cb()) }));
  const registry = new Registry([...COMPONENTS, benchDecodeOperator]);
  const plan = loadPipelineText(`
name: live-latency
sources: { dev: { type: tcp, host: 127.0.0.1, port: ${device.port} } }
transforms: { samples: { inputs: [dev], steps: [ { type: bench_decode } ] } }
sinks: { live: { type: websocket, inputs: [samples], listen: "127.0.0.1:0", history: 0 } }
`, registry);
  const clock = benchClock();
  const runner = new Runner(plan, { log, clock });
  const done = runner.run();
  await waitFor(() => url !== '', 'the live view');
  const result = await measure(`${url.replace('http', 'ws')}ws?history=0`, clients, clock.anchorMonoNs);
  runner.stop();
  await done;
  await device.stop();
  return result;
}

/**
 * (A') The floor on this machine: the same device, TCP read, message format and client process, but a
 * bare WebSocket server sending straight from the data callback (no runner, no RxJS, no decoding, no feed policy).
 */
async function bareRun(clients: number) {
  const device = await startDevice();
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const socket = new Socket();
  socket.setNoDelay(true);
  const fields = [{ name: 'host_time', type: 'f64' as const, time: 'host' as const }];
  socket.on('data', () => {
    // Stamped on the bare monotonic clock (anchor 0), as the tcp source stamps its reads.
    const readMono = new Float64Array([Number(process.hrtime.bigint())]);
    const message = encodeDataMessage('dev', 0, recordsBatch('dev', fields, { host_time: readMono }, 1), ['host_time']);
    for (const client of wss.clients) client.send(message);
  });
  socket.on('error', () => undefined);
  socket.connect(device.port, '127.0.0.1');
  const result = await measure(`ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`, clients, 0n);
  socket.destroy();
  await new Promise((resolve) => wss.close(resolve));
  await device.stop();
  return result;
}

/** (B) One run: a standalone sink publishing one-frame batches (25 rows) as fast as it can to N clients. */
async function throughputRun(clients: number) {
  const context = standaloneContext('live', { kind: 'sink', type: 'websocket' });
  const sink = (await websocketSink.create(websocketSink.options.parse({ listen: '127.0.0.1:0', history: 0 }), context)) as WebsocketSinkInstance;
  const feed = startChild('live-clients.ts', [`${sink.url.replace('http', 'ws')}ws?history=0`, String(clients), String(THROUGHPUT_MS + 1500)]);
  await waitFor(() => sink.feed.clientCount === clients, `${clients} clients`);
  const fields = [{ name: 'voltage_raw', type: 'u32' as const }, { name: 'host_time', type: 'f64' as const, time: 'host' as const }];
  let published = 0;
  const start = performance.now();
  while (performance.now() - start < THROUGHPUT_MS) {
    const voltage = new Uint32Array(25).fill(published);
    sink.write(recordsBatch('dev', fields, { voltage_raw: voltage, host_time: new Float64Array(25).fill(context.clock.nowNs()) }, 25));
    published++;
    await yieldToLoop();
  }
  const seconds = (performance.now() - start) / 1000;
  const snapshots = sink.feed.clientSnapshots();
  const result = JSON.parse(await feed.output);
  await sink.close();
  const skipped = snapshots.reduce((s, c) => s + c.dropped_batches + c.downsampled_batches, 0);
  return { delivered: result.messages / result.seconds, published: published / seconds, skippedShare: skipped / (published * clients) };
}

const latencyRows: Record<string, string | number>[] = [];
for (const clients of [1, 10]) {
  const runs: Record<'pipeline' | 'bare', Awaited<ReturnType<typeof measure>>[]> = { pipeline: [], bare: [] };
  for (let i = 0; i < REPEATS; i++) {
    // Alternate which goes first, so drifting machine load does not favour one.
    if (i % 2 === 0) runs.pipeline.push(await pipelineRun(clients)), runs.bare.push(await bareRun(clients));
    else runs.bare.push(await bareRun(clients)), runs.pipeline.push(await pipelineRun(clients));
  }
  for (const path of ['pipeline', 'bare'] as const) {
    const r = runs[path];
    latencyRows.push({
      path: path === 'pipeline' ? 'tcp source -> decode -> websocket sink' : 'bare: tcp read -> ws.send (floor)',
      clients,
      runs: REPEATS,
      'messages/run': Math.round(median(r.map((x) => x.samples))),
      'p50 us (median)': median(r.map((x) => x.p50)).toFixed(0),
      'p99 us (median)': median(r.map((x) => x.p99)).toFixed(0),
      'max us (worst)': Math.max(...r.map((x) => x.max)).toFixed(0),
    });
  }
}
report('live-latency', latencyRows, [
  'Latency: from the tcp source\'s receive time of the read that completed a frame (its data callback) to the',
  'client process\'s message callback, per message, first client; both on CLOCK_MONOTONIC (process.hrtime), one',
  'clock for all processes on the machine. Path: tcp source -> bench_decode (fixed-size frames to records, standing',
  'in for frame/crc/decode) -> runner -> websocket sink. Device: separate process writing each due frame with its',
  'own write, checked every 1 ms (4,000 frames/s).',
  'The bare row is the same measurement without the pipeline: the machine\'s floor (shared, 2 cores; see load in the JSON).',
  'Goal: p50 <= 250 us, p99 <= 2 ms added by the pipeline.',
]);

const orders = [[1, 10, 50], [50, 10, 1], [1, 10, 50]].slice(0, REPEATS);
const byClients = new Map<number, { delivered: number; published: number; skippedShare: number }[]>();
for (const order of orders) {
  for (const clients of order) {
    const list = byClients.get(clients) ?? [];
    list.push(await throughputRun(clients));
    byClients.set(clients, list);
  }
}
report('live-throughput', [1, 10, 50].map((clients) => {
  const runs = byClients.get(clients)!;
  return {
    clients,
    'published batches/s': median(runs.map((r) => r.published)).toFixed(0),
    'delivered messages/s (all clients)': median(runs.map((r) => r.delivered)).toFixed(0),
    'per client': (median(runs.map((r) => r.delivered)) / clients).toFixed(0),
    'skipped by policy': `${(median(runs.map((r) => r.skippedShare)) * 100).toFixed(1)} %`,
  };
}), [
  `Standalone websocket sink publishing 25-row batches (one frame each) as fast as it can for ${THROUGHPUT_MS / 1000} s, clients in one`,
  `other process; medians of ${orders.length} runs in alternating order. Skipped: batches the slow-client policy did not send.`,
]);
