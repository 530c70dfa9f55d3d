// pipelines/harvest.yml as a testbed runs it: one simulated node at its real rate (100 kHz, 4,000
// frames/s) with the recording, the live view and the status line, for BENCH_HARVEST_SECONDS (30 s),
// from compiled JavaScript as the installed `pipeline` runs (tsx would add about 70 MB and its
// compiling to every thread); each checkout is compiled into bench/build/ first.
// Reports the share of one core it used while running (CPU seconds / wall seconds of the run, start-up
// left out) and with start-up, its peak RSS, and the Parquet bytes it wrote per byte the device sent.
// With BENCH_BASELINE=/path/to/another/checkout the same runs alternate with that checkout's
// harvest.yml and code, so both are measured side by side on the same machine load.
//   node --import tsx bench/harvest-realtime.ts
//   BENCH_HARVEST_SECONDS=20 BENCH_REPEATS=1 BENCH_BASELINE=/work/main node --import tsx bench/harvest-realtime.ts
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ComponentSnapshot } from '../src/core/metrics.js';
import { DATA_DIR } from './reference-input.js';
import { compiledRunner } from './support/compiled.js';
import { measure } from './support/measure.js';
import { median, report } from './support/report.js';
import { freePort } from './support/free-port.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_HARVEST_SECONDS ?? 30);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const BASELINE = process.env.BENCH_BASELINE;

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

async function runOnce(checkout: Checkout): Promise<Run> {
  const dir = path.join(DATA_DIR, 'harvest-realtime');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = [runners.get(checkout)!, path.join(checkout.root, 'pipelines/harvest.yml'), '--duration', `${SECONDS}s`, '--data-dir', dir, '--set', `sinks.live.listen=127.0.0.1:${await freePort()}`];
  const measured = await measure(process.execPath, args, { cwd: checkout.root, timeoutMs: (SECONDS + 120) * 1000 });
  const result = measured.result as { wall_s: number; cpu_s: number; metrics: ComponentSnapshot[] };
  const source = result.metrics.find((m) => m.id === 'node')!;
  const recording = result.metrics.find((m) => m.id === 'recording')!;
  const run: Run = {
    runCores: result.cpu_s / result.wall_s,
    processCores: measured.cpuS / measured.wallS,
    peakRssMb: measured.peakRssMb,
    parquetBytes: directoryBytes(dir, '.parquet'),
    deviceBytes: source.bytes_out,
    realTime: (source.counters.frames_sent ?? 0) / (4000 * result.wall_s),
    recorded: recording.items_in - recording.drops,
    framesSent: source.counters.frames_sent ?? 0,
  };
  rmSync(dir, { recursive: true, force: true });
  return run;
}

const runs = new Map<Checkout, Run[]>(checkouts.map((c) => [c, []]));
for (let round = 0; round < REPEATS; round++) {
  for (const checkout of round % 2 === 0 ? checkouts : [...checkouts].reverse()) {
    const run = await runOnce(checkout);
    runs.get(checkout)!.push(run);
    console.log(`round ${round + 1}/${REPEATS} ${checkout.name}: ${(run.runCores * 100).toFixed(1)} % of a core, rss ${run.peakRssMb.toFixed(0)} MB, parquet ${(run.parquetBytes / run.deviceBytes).toFixed(2)}x device bytes`);
  }
}

const rows = checkouts.map((checkout) => {
  const list = runs.get(checkout)!;
  const pick = (f: (r: Run) => number) => median(list.map(f));
  return {
    checkout: checkout.name,
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
  'records lost = frames sent x 25 - rows the recording took (rows still in a journal at the stop are written at close, so 0 means nothing lost)',
]);
