/**
 * Recording throughput: harvest-like records batches (host time, device ticks and time, raw and
 * calibrated voltage/current, power) into the `parquet` sink (zstd, encoded in its worker thread) and
 * into the `arrow` sink alone. Runs alternate A and B; the table shows medians. CPU seconds count
 * every thread of the process (conversion on the main thread plus the encoder worker).
 *
 *   node --import tsx bench/recording.ts [--rows 10000000] [--runs 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRegistry } from '../src/components.js';
import { type Field, type RecordsBatch, byteSize, recordsBatch } from '../src/core/batch.js';
import { loadPipelineText } from '../src/core/config/load.js';
import { silentLogger } from '../src/core/log.js';
import { Runner } from '../src/core/runner/runner.js';
import { lastValueFrom, toArray } from 'rxjs';
import { parseDocument } from 'yaml';
import type { SinkDefinition } from '../src/core/component.js';
import { simulatorSource } from '../src/sources/simulator/index.js';
import { standaloneContext } from '../src/core/standalone.js';
import { arrowSink } from '../src/sinks/arrow.js';
import { parquetSink } from '../src/sinks/parquet.js';
import { median, report } from './support/report.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '3' } } });
const TOTAL_ROWS = Number(values.rows);
const RUNS = Number(values.runs);
const BATCH_ROWS = 10_000; // 400 frames of 25 samples: one read of a fast source

const FIELDS: Field[] = [
  { name: 'time', type: 'f64', time: 'host' },
  { name: 't_ticks', type: 'u32' },
  { name: 't_device_ns', type: 'f64', time: 'device' },
  { name: 'voltage_raw', type: 'u32' },
  { name: 'current_raw', type: 'u32' },
  { name: 'voltage', type: 'f32', unit: 'V' },
  { name: 'current', type: 'f32', unit: 'A' },
  { name: 'power', type: 'f32', unit: 'W' },
];

/** A noisy harvester signal: random walks around 2 V and 10 mA, so compression sees realistic data. */
function makeBatches(): RecordsBatch[] {
  const batches: RecordsBatch[] = [];
  let v = 666_666_666;
  let c = 40_000_000;
  for (let first = 0; first < TOTAL_ROWS; first += BATCH_ROWS) {
    const n = Math.min(BATCH_ROWS, TOTAL_ROWS - first);
    const cols = {
      time: new Float64Array(n), t_ticks: new Uint32Array(n), t_device_ns: new Float64Array(n), voltage_raw: new Uint32Array(n),
      current_raw: new Uint32Array(n), voltage: new Float32Array(n), current: new Float32Array(n), power: new Float32Array(n),
    };
    for (let i = 0; i < n; i++) {
      const row = first + i;
      v += Math.round((Math.random() - 0.5) * 2000);
      c += Math.round((Math.random() - 0.5) * 20_000);
      cols.time[i] = row * 10_000 + (i % 25 === 0 ? 3 : 0);
      cols.t_ticks[i] = (row * 10) >>> 0;
      cols.t_device_ns[i] = row * 10_000;
      cols.voltage_raw[i] = v;
      cols.current_raw[i] = c;
      cols.voltage[i] = v * 3e-9;
      cols.current[i] = c * 250e-12;
      cols.power[i] = cols.voltage[i] * cols.current[i];
    }
    batches.push(recordsBatch('node', FIELDS, cols, n));
  }
  return batches;
}

interface Result {
  label: string;
  seconds: number;
  samplesPerSecond: number;
  inputMBps: number;
  fileMB: number;
  cpuSeconds: number;
  peakRssMB: number;
}

async function measure(label: string, definition: SinkDefinition, rawOptions: object, batches: RecordsBatch[]): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-recording-'));
  const context = standaloneContext(definition.type, { dataDir: dir, kind: 'sink', type: definition.type });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sink = await definition.create(definition.options.parse(rawOptions), context);
  for (const batch of batches) await sink.write(batch);
  await sink.close();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  const fileBytes = (fs.readdirSync(dir, { recursive: true }) as string[]).reduce((sum, f) => sum + (fs.statSync(path.join(dir, f)).isFile() ? fs.statSync(path.join(dir, f)).size : 0), 0);
  fs.rmSync(dir, { recursive: true, force: true });
  const inputBytes = batches.reduce((sum, b) => sum + byteSize(b), 0);
  return {
    label,
    seconds,
    samplesPerSecond: TOTAL_ROWS / seconds,
    inputMBps: inputBytes / 1e6 / seconds,
    fileMB: fileBytes / 1e6,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    peakRssMB: peakRss / 1e6,
  };
}

const batches = makeBatches();
const cases: [string, SinkDefinition, object][] = [
  ['parquet zstd', parquetSink, { path: 'bench.parquet' }],
  // Earlier default: min/max statistics on every column, not only on time columns.
  ['parquet zstd, statistics: all', parquetSink, { path: 'bench.parquet', statistics: 'all' }],
  ['parquet snappy', parquetSink, { path: 'bench.parquet', compression: 'snappy' }],
  ['arrow', arrowSink, { path: 'bench.arrows' }],
];
const results: Result[] = [];
await measure('warm-up', parquetSink, { path: 'warmup.parquet' }, batches.slice(0, 50)); // JIT and wasm warm-up
for (let run = 0; run < RUNS; run++) for (const [label, definition, options] of cases) results.push(await measure(label, definition, options, batches));

const summary = cases.map(([label]) => {
  const runs = results.filter((r) => r.label === label);
  const pick = (key: keyof Omit<Result, 'label'>) => median(runs.map((r) => r[key]));
  return { label, samplesPerSecond: pick('samplesPerSecond'), inputMBps: pick('inputMBps'), fileMB: pick('fileMB'), cpuSeconds: pick('cpuSeconds'), seconds: pick('seconds'), peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)) };
});

/**
 * The recording inside a running pipeline, through the runner's bounded buffer into the parquet sink:
 * `records` takes the simulator's sample records directly (rate: max); `chain` replays a raw dump of the
 * simulator's frames from a file at speed: max through harvest.yml's frame/crc/decode steps.
 */
async function pipelineRun(kind: 'records' | 'chain'): Promise<Result> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-recording-run-'));
  const frames = Math.ceil(TOTAL_ROWS / 25);
  let text: string;
  if (kind === 'records') {
    text = `name: bench
sources:
  node: { type: simulator, device: harvester, emit: records, rate: max, frames: ${frames}, batch_frames: 400 }
sinks:
  recording: { type: parquet, inputs: [node], path: "bench.parquet" }
`;
  } else {
    const simulator = simulatorSource.create(simulatorSource.options.parse({ rate: 'max', frames }), standaloneContext('node', { kind: 'source' }));
    const dump = await lastValueFrom(simulator.pipe(toArray()));
    fs.writeFileSync(path.join(dir, 'node.bin'), Buffer.concat(dump.map((b) => (b.kind === 'bytes' ? b.data : Buffer.alloc(0)))));
    const harvest = parseDocument(fs.readFileSync(path.join(import.meta.dirname, '../pipelines/harvest.yml'), 'utf8'));
    harvest.setIn(['sources', 'node'], harvest.createNode({ type: 'file', path: 'node.bin', speed: 'max' }));
    harvest.deleteIn(['sinks']);
    harvest.setIn(['sinks', 'recording'], harvest.createNode({ type: 'parquet', inputs: ['samples'], path: 'bench.parquet' }));
    text = harvest.toString();
  }
  const runner = new Runner(loadPipelineText(text, defaultRegistry()), { log: silentLogger, dataDir: dir });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await runner.run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  if (result.reason !== 'completed') throw new Error(`pipeline run ${result.reason}: ${result.error?.message}`);
  const sink = runner.metrics.get('recording')!;
  const fileBytes = fs.statSync(path.join(dir, 'bench.parquet')).size;
  fs.rmSync(dir, { recursive: true, force: true });
  const label = kind === 'records' ? 'pipeline: simulator records -> parquet' : 'pipeline: file -> frame/crc/decode -> parquet';
  return { label, seconds, samplesPerSecond: sink.itemsIn / seconds, inputMBps: sink.bytesIn / 1e6 / seconds, fileMB: fileBytes / 1e6, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMB: peakRss / 1e6 };
}

const pipelineKinds = (['records', 'chain'] as const).filter((k) => k === 'records' || defaultRegistry().get('operator', 'decode'));
const pipelineResults: Result[] = [];
for (let run = 0; run < RUNS; run++) for (const kind of pipelineKinds) pipelineResults.push(await pipelineRun(kind));
for (const label of new Set(pipelineResults.map((r) => r.label))) {
  const runs = pipelineResults.filter((r) => r.label === label);
  summary.push({
    label,
    samplesPerSecond: median(runs.map((r) => r.samplesPerSecond)),
    inputMBps: median(runs.map((r) => r.inputMBps)),
    fileMB: median(runs.map((r) => r.fileMB)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    seconds: median(runs.map((r) => r.seconds)),
    peakRssMB: Math.max(...runs.map((r) => r.peakRssMB)),
  });
}

report(
  'recording',
  summary.map((s) => ({
    sink: s.label,
    'M samples/s': (s.samplesPerSecond / 1e6).toFixed(2),
    // On a shared machine wall time depends on the neighbours; samples per CPU second does less.
    'M samples/CPU s': (TOTAL_ROWS / s.cpuSeconds / 1e6).toFixed(2),
    'input MB/s': s.inputMBps.toFixed(0),
    'file MB': s.fileMB.toFixed(1),
    'CPU s': s.cpuSeconds.toFixed(2),
    'wall s': s.seconds.toFixed(2),
    'peak RSS MB': s.peakRssMB.toFixed(0),
  })),
  [
    `${TOTAL_ROWS.toLocaleString('en')} samples of 8 columns in batches of ${BATCH_ROWS}; median of ${RUNS} alternating runs; CPU counts all threads.`,
    'parquet: encoded in the sink worker, journal on, statistics on time columns unless stated; arrow: IPC stream file. Peak RSS includes the generated input (about 44 bytes a sample).',
    'pipeline rows: whole runs through the runner (6 columns: seq, t_ticks, i, voltage_raw, current_raw, host_time); input MB/s counts records bytes.',
  ],
);
