// Device sources: throughput of the serial source through a socat pty pair and of the tcp source over
// loopback, each through the runner into a counting sink, with CPU use of the reading process and a
// CRC-32 of everything received (nothing lost, nothing reordered). The device side writes from its
// own process as fast as the link takes it. Alternates pty and TCP runs and reports medians.
//   node --import tsx bench/device-sources.ts        (BENCH_PTY_MB, BENCH_TCP_MB, BENCH_REPEATS)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { COMPONENTS } from '../src/components.js';
import { defineSink } from '../src/core/component.js';
import { loadPipelineText } from '../src/core/config/load.js';
import { silentLogger } from '../src/core/log.js';
import { Registry } from '../src/core/registry.js';
import { Runner } from '../src/core/runner/runner.js';
import { PtyPair } from '../test/helpers/socat.js';
import { devicePayload } from './support/device-payload.js';
import { median, report } from './support/report.js';

const PTY_BYTES = Number(process.env.BENCH_PTY_MB ?? 32) * 1e6;
const TCP_BYTES = Number(process.env.BENCH_TCP_MB ?? 256) * 1e6;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const WRITER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'device-writer.ts');

/** Counts bytes and a running CRC-32; calls `done` when `expected` bytes have arrived. */
const counting = { bytes: 0, crc: 0, expected: 0, batches: 0, firstAt: 0, cpu0: process.cpuUsage(), done: () => undefined as void };
const countSink = defineSink({
  type: 'count_bytes',
  summary: 'Counts bytes and their CRC-32 (benchmark).',
  options: z.strictObject({}),
  input: ['bytes'],
  defaultWhenFull: 'block',
  create: () => ({
    write(batch) {
      if (batch.kind !== 'bytes') return;
      if (counting.bytes === 0) {
        counting.firstAt = performance.now();
        counting.cpu0 = process.cpuUsage();
      }
      counting.batches++;
      counting.bytes += batch.data.length;
      counting.crc = crc32(batch.data, counting.crc);
      if (counting.bytes >= counting.expected) counting.done();
    },
    close: async () => undefined,
  }),
});
const registry = new Registry([...COMPONENTS, countSink]);

function startWriter(args: string[]): { child: ChildProcess; line: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = new Promise<string>((resolve, reject) => {
    child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once('exit', (code) => reject(new Error(`device writer exited with ${code}`)));
  });
  return { child, line };
}

async function stopWriter(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGTERM');
  await exited;
}

/** Runs `source` (YAML) into the counting sink until `size` bytes arrived; returns time and CPU. */
async function measure(source: string, size: number, startDevice: () => Promise<ChildProcess>) {
  const expectedCrc = crc32(devicePayload(size));
  Object.assign(counting, { bytes: 0, crc: 0, batches: 0, expected: size });
  const plan = loadPipelineText(`sources: { dev: ${source} }\nsinks: { count: { type: count_bytes, inputs: [dev] } }\n`, registry);
  const runner = new Runner(plan, { log: silentLogger });
  const finished = new Promise<void>((resolve) => (counting.done = resolve));
  const running = runner.run();
  const device = await startDevice();
  const timeout = setTimeout(() => runner.stop(), 120_000);
  await finished;
  // Timed from the first byte to the last, so the writer's start-up is not in the figure.
  const ms = performance.now() - counting.firstAt;
  const cpu = process.cpuUsage(counting.cpu0);
  clearTimeout(timeout);
  runner.stop();
  await running;
  await stopWriter(device);
  const lost = size - counting.bytes;
  return { ms, batchKiB: size / counting.batches / 1024, mbps: size / 1e6 / (ms / 1000), cpuPct: ((cpu.user + cpu.system) / 1000 / ms) * 100, intact: lost === 0 && counting.crc === expectedCrc, lost };
}

async function ptyRun() {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-pty-'));
  const pty = new PtyPair(dir);
  await pty.start();
  try {
    return await measure(`{ type: serial, path: "${pty.dev}", baud_rate: 3000000 }`, PTY_BYTES, async () => {
      const { child } = startWriter(['pty', pty.host, String(PTY_BYTES)]);
      return child;
    });
  } finally {
    await pty.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function tcpRun() {
  const { child, line } = startWriter(['tcp', String(TCP_BYTES)]);
  const port = Number((await line).split(' ')[1]);
  try {
    return await measure(`{ type: tcp, port: ${port}, retry: false }`, TCP_BYTES, async () => child);
  } catch (error) {
    await stopWriter(child);
    throw error;
  }
}

const results = { pty: [] as Awaited<ReturnType<typeof ptyRun>>[], tcp: [] as Awaited<ReturnType<typeof tcpRun>>[] };
for (let i = 0; i < REPEATS; i++) {
  results.pty.push(await ptyRun());
  results.tcp.push(await tcpRun());
}
const row = (name: string, size: number, runs: (typeof results)['pty']) => ({
  link: name,
  MB: (size / 1e6).toFixed(0),
  'MB/s (median)': median(runs.map((r) => r.mbps)).toFixed(1),
  'reader CPU % (median)': median(runs.map((r) => r.cpuPct)).toFixed(0),
  'KiB/batch': median(runs.map((r) => r.batchKiB)).toFixed(1),
  'CPU s per GB': median(runs.map((r) => (r.cpuPct / 100) * (r.ms / 1000) / (size / 1e9))).toFixed(1),
  'all bytes, CRC-32 equal': runs.every((r) => r.intact) ? `yes (${runs.length}/${runs.length})` : `NO: lost ${runs.map((r) => r.lost).join(', ')}`,
});
report('device-sources', [row('serial via socat pty', PTY_BYTES, results.pty), row('tcp loopback', TCP_BYTES, results.tcp)], [
  `${REPEATS} alternating runs each; source -> runner -> counting sink (bytes + CRC-32); the device writes from its own process.`,
  'Reader CPU % is of one core, for the reading process only (source, runner and sink); socat and the writer are not included.',
  'frame + crc steps are not in this measurement yet: they are not registered in this build.',
]);
