// pipelines/harvest.yml as a testbed runs it: one simulated node at its real rate (100 kHz, 4,000
// frames/s) with the recording, the live view and the status line, for BENCH_HARVEST_SECONDS (30 s),
// from compiled JavaScript as the installed `pipeline` runs (tsx would add about 70 MB and its
// compiling to every thread); each checkout is compiled into bench/build/ first.
// Reports the share of one core it used while running (CPU seconds / wall seconds of the run, start-up
// left out) and with start-up, its peak RSS, and the Parquet bytes it wrote per byte the device sent.
// With BENCH_BASELINE=/path/to/another/checkout the same runs alternate with that checkout's
// harvest.yml and code, so both are measured side by side on the same machine load.
// Each checkout runs twice a round: as shipped (the simulated device inside the pipeline process,
// generating and CRC-ing its frames on the pipeline's thread) and with the device on TCP (the same
// simulator in a process of its own, `pipeline simulate --tcp`, and harvest.yml's source set to tcp),
// which is what a node with a real device pays: reading bytes instead of making them.
// BENCH_HARVEST_DEVICE=simulator or tcp runs only one of the two.
//   node --import tsx bench/harvest-realtime.ts
//   BENCH_HARVEST_SECONDS=20 BENCH_REPEATS=1 BENCH_BASELINE=/work/main node --import tsx bench/harvest-realtime.ts
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentSnapshot } from '../src/core/metrics.js';
import { DATA_DIR } from './reference-input.js';
import { compiledRunner } from './support/compiled.js';
import { measure } from './support/measure.js';
import { pipelineCounts } from './support/pipeline-counts.js';
import { median, report } from './support/report.js';
import { freePort } from './support/free-port.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_HARVEST_SECONDS ?? 30);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const BASELINE = process.env.BENCH_BASELINE;
const DEVICES = (process.env.BENCH_HARVEST_DEVICE ?? 'simulator,tcp').split(',') as Device[];
type Device = 'simulator' | 'tcp';
for (const device of DEVICES) if (device !== 'simulator' && device !== 'tcp') throw new Error(`BENCH_HARVEST_DEVICE: simulator or tcp, got ${device}`);

interface Checkout {
  readonly name: string;
  readonly root: string;
}
const checkouts: Checkout[] = [{ name: 'this checkout', root: path.resolve(HERE, '..') }];
if (BASELINE) checkouts.push({ name: `baseline (${BASELINE})`, root: path.resolve(BASELINE) });

const runners = new Map(checkouts.map((c) => [c, compiledRunner(c.root, c === checkouts[0] ? 'dist' : 'dist-baseline')]));

function directoryBytes(dir: string, suffix: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true }) as string[]) if (name.endsWith(suffix)) total += statSync(path.join(dir, name)).size;
  return total;
}

interface Run {
  readonly runCores: number;
  readonly processCores: number;
  readonly peakRssMb: number;
  readonly parquetBytes: number;
  readonly deviceBytes: number;
  readonly realTime: number;
  readonly recorded: number;
  readonly framesSent: number;
}

/**
 * The simulated device in its own process, serving its bytes on a loopback port it picks (port 0)
 * and announces on stderr; ready once it has. No probe connection: the simulator produces only while
 * a client is connected, so a probe would start the device before the pipeline.
 */
async function deviceProcess(checkout: Checkout): Promise<{ port: number; stop(): Promise<number> }> {
  const cli = path.join(path.dirname(runners.get(checkout)!), 'cli.js');
  const child = spawn(process.execPath, [cli, 'simulate', '--tcp', '127.0.0.1:0', '--rate', 'realtime', '--duration', `${SECONDS + 30}s`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  const port = await new Promise<number>((resolve, reject) => {
    let stderr = '';
    let listening = false;
    const fail = (why: string) => {
      if (listening) return;
      child.kill('SIGKILL');
      reject(new Error(`pipeline simulate --tcp ${why}: ${stderr}`));
    };
    const timer = setTimeout(() => fail('did not listen within 10 s'), 10_000);
    void exited.then(() => fail('exited before listening'));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const match = /simulator listening on [^\s]+:(\d+)/.exec(stderr);
      if (match && !listening) {
        listening = true;
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function runOnce(checkout: Checkout, device: Device): Promise<Run> {
  const dir = path.join(DATA_DIR, 'harvest-realtime');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const tcp = device === 'tcp' ? await deviceProcess(checkout) : undefined;
  const args = [runners.get(checkout)!, path.join(checkout.root, 'pipelines/harvest.yml'), '--duration', `${SECONDS}s`, '--data-dir', dir, '--set', `sinks.live.listen=127.0.0.1:${await freePort()}`];
  if (tcp) args.push('--set', `sources.node={type: tcp, port: ${tcp.port}}`);
  let measured;
  try {
    measured = await measure(process.execPath, args, { cwd: checkout.root, timeoutMs: (SECONDS + 120) * 1000 });
  } finally {
    await tcp?.stop();
  }
  const result = measured.result as { wall_s: number; cpu_s: number; metrics: ComponentSnapshot[] };
  const source = result.metrics.find((m) => m.id === 'node')!;
  const recording = result.metrics.find((m) => m.id === 'recording')!;
  // Frames the device sent: the simulator counts them; over TCP, the frames that passed the CRC (the
  // simulated harvester injects no faults by default, so every frame sent passes).
  const framesSent = tcp ? pipelineCounts(result).framesGood : (source.counters.frames_sent ?? 0);
  const run: Run = {
    runCores: result.cpu_s / result.wall_s,
    processCores: measured.cpuS / measured.wallS,
    peakRssMb: measured.peakRssMb,
    parquetBytes: directoryBytes(dir, '.parquet'),
    deviceBytes: source.bytes_out,
    realTime: framesSent / (4000 * result.wall_s),
    recorded: recording.items_in - recording.drops,
    framesSent,
  };
  rmSync(dir, { recursive: true, force: true });
  return run;
}

const cases = checkouts.flatMap((checkout) => DEVICES.map((device) => ({ checkout, device })));
const runs = new Map<(typeof cases)[number], Run[]>(cases.map((c) => [c, []]));
for (let round = 0; round < REPEATS; round++) {
  for (const c of round % 2 === 0 ? cases : [...cases].reverse()) {
    const run = await runOnce(c.checkout, c.device);
    runs.get(c)!.push(run);
    console.log(`round ${round + 1}/${REPEATS} ${c.checkout.name}, device ${c.device}: ${(run.runCores * 100).toFixed(1)} % of a core, rss ${run.peakRssMb.toFixed(0)} MB, parquet ${(run.parquetBytes / run.deviceBytes).toFixed(2)}x device bytes`);
  }
}

const rows = cases.map((c) => {
  const list = runs.get(c)!;
  const pick = (f: (r: Run) => number) => median(list.map(f));
  return {
    checkout: c.checkout.name,
    device: c.device === 'tcp' ? 'own process, TCP' : 'simulator in the pipeline',
    'CPU % of a core (run)': (pick((r) => r.runCores) * 100).toFixed(1),
    'CPU % of a core (process, with start-up)': (pick((r) => r.processCores) * 100).toFixed(1),
    'peak RSS MB': pick((r) => r.peakRssMb).toFixed(0),
    'Parquet MB per minute': ((pick((r) => r.parquetBytes / r.framesSent) * 4000 * 60) / 1e6).toFixed(1),
    'Parquet / device bytes': pick((r) => r.parquetBytes / r.deviceBytes).toFixed(2),
    'real time %': (pick((r) => r.realTime) * 100).toFixed(1),
    'records lost': pick((r) => r.framesSent * 25 - r.recorded),
  };
});
report('harvest-realtime', rows, [
  `${SECONDS} s of pipelines/harvest.yml per run, ${REPEATS} alternating rounds, medians; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  'compiled JavaScript (tsc into bench/build/), as the installed command runs; run = CPU seconds / wall seconds inside the runner (start-up left out); process = the same for the whole process under /usr/bin/time',
  'device "own process, TCP": CPU and RSS are the pipeline process only, the device process is not counted',
  'records lost = frames sent x 25 - rows the recording took (rows still in a journal at the stop are written at close, so 0 means nothing lost)',
]);
