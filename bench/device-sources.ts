// Device sources: throughput of the serial source through a socat pty pair and of the tcp source over
// loopback, each through the runner into a counting sink, with CPU use of the reading process and a
// CRC-32 of everything received (nothing lost, nothing reordered). The device side writes from its
// own process as fast as the link takes it. Alternates pty and TCP runs and reports medians. When the
// frame and crc operators are registered, each link is also measured through frame + crc, counting
// frames (every whole frame sent must arrive, none may fail its CRC).
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

/** Reference-protocol sample frames: 10 header + 25 x 8 payload + 3 trailer bytes. */
const FRAME_BYTES = 213;
// Whole frames only, so a framing run ends without a partial frame to flush.
const wholeFrames = (mb: number) => Math.floor((mb * 1e6) / FRAME_BYTES) * FRAME_BYTES;
const PTY_BYTES = wholeFrames(Number(process.env.BENCH_PTY_MB ?? 32));
const TCP_BYTES = wholeFrames(Number(process.env.BENCH_TCP_MB ?? 256));
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const WRITER = path.join(HERE, 'support', 'device-writer.ts');

/** Counts bytes and a running CRC-32; calls `done` when `expected` bytes have arrived. */
const counting = { bytes: 0, crc: 0, frames: 0, expected: 0, expectedFrames: 0, batches: 0, firstAt: 0, cpu0: process.cpuUsage(), done: () => undefined as void };
const countSink = defineSink({
  type: 'count_bytes',
  summary: 'Counts bytes and their CRC-32, or frames (benchmark).',
  options: z.strictObject({}),
  input: ['bytes', 'frames'],
  defaultWhenFull: 'block',
  create: () => ({
    write(batch) {
      if (counting.batches === 0) {
        counting.firstAt = performance.now();
        counting.cpu0 = process.cpuUsage();
      }
      counting.batches++;
      if (batch.kind === 'frames') {
        counting.frames += batch.count;
        if (counting.frames >= counting.expectedFrames) counting.done();
        return;
      }
      if (batch.kind !== 'bytes') return;
      counting.bytes += batch.data.length;
      counting.crc = crc32(batch.data, counting.crc);
      if (counting.bytes >= counting.expected) counting.done();
    },
    close: async () => undefined,
  }),
});
const registry = new Registry([...COMPONENTS, countSink]);
const FRAME_STEPS =
  '[ { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }, { type: crc, algorithm: CRC-16/IBM-3740, over: [1, -3], value: { offset: -3, type: u16le } } ]';
const CAN_FRAME = registry.get('operator', 'frame') !== undefined && registry.get('operator', 'crc') !== undefined;
let framing = false;

function startWriter(args: string[]): { child: ChildProcess; line: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, ...args], { cwd: path.dirname(HERE), stdio: ['ignore', 'pipe', 'inherit'] });
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
  const expectedFrames = size / FRAME_BYTES;
  Object.assign(counting, { bytes: 0, crc: 0, frames: 0, batches: 0, expected: size, expectedFrames });
  const plan = loadPipelineText(
    framing
      ? `sources: { dev: ${source} }\ntransforms: { f: { inputs: [dev], steps: ${FRAME_STEPS} } }\nsinks: { count: { type: count_bytes, inputs: [f] } }\n`
      : `sources: { dev: ${source} }\nsinks: { count: { type: count_bytes, inputs: [dev] } }\n`,
    registry,
  );
  const runner = new Runner(plan, { log: silentLogger });
  const finished = new Promise<void>((resolve) => (counting.done = resolve));
  const running = runner.run();
  const device = await startDevice();
  const timeout = setTimeout(() => counting.done(), 120_000); // a stuck run is reported as loss, not waited on
  await finished;
  // Timed from the first byte to the last, so the writer's start-up is not in the figure.
  const ms = performance.now() - counting.firstAt;
  const cpu = process.cpuUsage(counting.cpu0);
  clearTimeout(timeout);
  runner.stop();
  await running;
  await stopWriter(device);
  const frameErrors = runner.metrics.all().reduce((n, m) => n + (m.kind === 'operator' ? m.totalErrors() : 0), 0);
  const lost = framing ? expectedFrames - counting.frames + frameErrors : size - counting.bytes;
  const intact = framing ? lost === 0 : lost === 0 && counting.crc === expectedCrc;
  return { ms, batchKiB: size / counting.batches / 1024, mbps: size / 1e6 / (ms / 1000), cpuPct: ((cpu.user + cpu.system) / 1000 / ms) * 100, intact, lost };
}

async function ptyRun() {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-pty-'));
  const pty = new PtyPair(dir);
  await pty.start();
  try {
    return await measure(`{ type: serial, path: "${pty.dev}", baud_rate: 3000000 }`, PTY_BYTES, async () => {
      const { child, line } = startWriter(['pty', pty.host, String(PTY_BYTES)]);
      line.catch(() => counting.done()); // a writer that dies shows up as loss, and the pty is still stopped
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

type Run = Awaited<ReturnType<typeof ptyRun>>;
const modes = CAN_FRAME ? [false, true] : [false];
const results = new Map<string, Run[]>();
const keep = (key: string, run: Run) => results.set(key, [...(results.get(key) ?? []), run]);
for (let i = 0; i < REPEATS; i++) {
  for (const mode of modes) {
    framing = mode;
    keep(`pty ${mode}`, await ptyRun());
    keep(`tcp ${mode}`, await tcpRun());
  }
}
const row = (name: string, size: number, runs: Run[]) => ({
  link: name,
  MB: (size / 1e6).toFixed(0),
  'MB/s (median)': median(runs.map((r) => r.mbps)).toFixed(1),
  'reader CPU % (median)': median(runs.map((r) => r.cpuPct)).toFixed(0),
  'KiB/batch': median(runs.map((r) => r.batchKiB)).toFixed(1),
  'CPU s per GB': median(runs.map((r) => (r.cpuPct / 100) * (r.ms / 1000) / (size / 1e9))).toFixed(1),
  'nothing lost': runs.every((r) => r.intact) ? `yes (${runs.length}/${runs.length})` : `NO: lost ${runs.map((r) => r.lost).join(', ')}`,
});
const rows = modes.flatMap((mode) => [
  row(`serial via socat pty${mode ? ' + frame + crc' : ''}`, PTY_BYTES, results.get(`pty ${mode}`)!),
  row(`tcp loopback${mode ? ' + frame + crc' : ''}`, TCP_BYTES, results.get(`tcp ${mode}`)!),
]);
report('device-sources', rows, [
  `${REPEATS} alternating runs each; source -> runner -> counting sink; the device writes from its own process.`,
  'Without framing the sink checks byte count and CRC-32 of the whole stream; with frame + crc it counts frames (all whole frames sent, no CRC or resync errors).',
  'Reader CPU % is of one core, for the reading process only (source, runner, operators, sink); socat and the writer are not included.',
  ...(CAN_FRAME ? [] : ['frame + crc rows are left out: those operators are not registered in this build.']),
]);
