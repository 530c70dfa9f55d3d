// Time-series operators over 50 M records in batches of 4096, each through RxJS
// (from(batches).pipe(operator)), with the records/s median of several runs. Operators alternate
// within each round so machine noise spreads evenly.  Run: node --import tsx bench/time-operators.ts
// Env: BENCH_TIME_RECORDS (default 50e6), BENCH_REPEATS (default 5), BENCH_TIME_ONLY (cases whose name contains it, plus the baseline).
import { type OperatorFunction, from, lastValueFrom, map, reduce } from 'rxjs';
import type { z } from 'zod';
import type { Batch, Field, RecordsBatch } from '../src/core/batch.js';
import { recordsBatch } from '../src/core/batch.js';
import type { OperatorDefinition, OptionsSchema } from '../src/core/component.js';
import { buildOperator, standaloneContext } from '../src/core/standalone.js';
import { cpuWindow } from '../src/operators/cpu-window/index.js';
import { derive } from '../src/operators/derive.js';
import { downsample } from '../src/operators/downsample/index.js';
import { filter } from '../src/operators/filter.js';
import { jitter } from '../src/operators/jitter.js';
import { rollover } from '../src/operators/rollover/index.js';
import { window } from '../src/operators/window/index.js';
import { median, report } from './support/report.js';

const RECORDS = Number(process.env.BENCH_TIME_RECORDS ?? 50_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const BATCH = 4096;
/** Distinct input batches, cycled: 400 x 4096 rows = 65536 frames of 25 samples, so u16 seq wraps seamlessly. */
const CYCLE = 400;

/** Harvester-like rows: seq and t_ticks repeated on the 25 samples of a frame, 10 us apart. */
function sampleBatches(): RecordsBatch[] {
  const out: RecordsBatch[] = [];
  for (let b = 0; b < CYCLE; b++) {
    const seq = new Uint16Array(BATCH);
    const ticks = new Uint32Array(BATCH);
    const tDevice = new Float64Array(BATCH);
    const hostTime = new Float64Array(BATCH);
    const voltageRaw = new Uint32Array(BATCH);
    const voltage = new Float64Array(BATCH);
    const current = new Float64Array(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const k = b * BATCH + i;
      const frame = Math.floor(k / 25);
      seq[i] = frame & 0xffff;
      ticks[i] = (frame * 250) >>> 0;
      tDevice[i] = k * 10_000;
      hostTime[i] = k * 10_000 + 2e6 + ((k * 7919) % 50_000);
      voltageRaw[i] = 600_000_000 + ((k * 2654435761) >>> 12);
      voltage[i] = voltageRaw[i] * 3e-9;
      current[i] = 0.001 + (k % 1000) * 1e-6;
    }
    const fields: Field[] = [
      { name: 'seq', type: 'u16' },
      { name: 't_ticks', type: 'u32' },
      { name: 't_device_ns', type: 'f64', time: 'device' },
      { name: 'host_time', type: 'f64', time: 'host' },
      { name: 'voltage_raw', type: 'u32' },
      { name: 'voltage', type: 'f64' },
      { name: 'current', type: 'f64' },
    ];
    out.push(recordsBatch('bench', fields, { seq, t_ticks: ticks, t_device_ns: tDevice, host_time: hostTime, voltage_raw: voltageRaw, voltage, current }, BATCH));
  }
  return out;
}

/** Task switches, every record a switch to another of 5 tasks, 1-23 us apart. */
function switchBatches(): RecordsBatch[] {
  const out: RecordsBatch[] = [];
  let t = 0;
  for (let b = 0; b < CYCLE; b++) {
    const time = new Float64Array(BATCH);
    const task = new Uint16Array(BATCH);
    const event = new Uint8Array(BATCH).fill(1);
    for (let i = 0; i < BATCH; i++) {
      const k = b * BATCH + i;
      t += 1000 + ((k * 37) % 23) * 1000;
      time[i] = t;
      task[i] = (k * 3) % 5;
    }
    out.push(recordsBatch('bench', [{ name: 't_device_ns', type: 'f64', time: 'device' }, { name: 'task_id', type: 'u16' }, { name: 'event', type: 'u8' }], { t_device_ns: time, task_id: task, event }, BATCH));
  }
  return out;
}

interface Case {
  name: string;
  goal: number;
  /** Records per wall-clock second and per CPU second of this process. */
  run: () => Promise<{ wall: number; cpu: number }>;
}

function bench<S extends OptionsSchema>(name: string, goal: number, definition: OperatorDefinition<S>, options: z.input<S>, inputs: readonly RecordsBatch[]): Case {
  return timed(name, goal, () => buildOperator(definition, options, standaloneContext(name)).operator, inputs);
}

/**
 * The reference point of a run: a hand-written loop (one multiply of two f64 columns into a new
 * column and a new batch) in an RxJS map. Operator rows are best read as a ratio to this one.
 */
function baseline(): OperatorFunction<Batch, Batch> {
  return map((batch) => {
    const b = batch as RecordsBatch;
    const v = b.columns.voltage as Float64Array;
    const c = b.columns.current as Float64Array;
    const out = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) out[i] = v[i] * c[i];
    return recordsBatch(b.source, [...b.schema.fields, { name: 'power', type: 'f64' }], { ...b.columns, power: out }, b.length);
  });
}

function timed(name: string, goal: number, make: () => OperatorFunction<Batch, Batch>, inputs: readonly RecordsBatch[]): Case {
  const count = Math.ceil(RECORDS / BATCH);
  const batches: Batch[] = Array.from({ length: count }, (_, i) => inputs[i % inputs.length]);
  return {
    name,
    goal,
    async run() {
      const operator = make();
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const rows = await lastValueFrom(from(batches).pipe(operator, reduce((n, b) => n + (b.kind === 'records' ? b.length : 0), 0)));
      const seconds = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpuStart);
      if (rows < 0) throw new Error('impossible');
      return { wall: (count * BATCH) / seconds, cpu: (count * BATCH) / ((cpu.user + cpu.system) / 1e6) };
    },
  };
}

const samples = sampleBatches();
const switches = switchBatches();
const all: Case[] = [
  timed('baseline: hand-written map v * c', 0, baseline, samples),
  bench('rollover u16 seq (gaps_as)', 100e6, rollover, { field: 'seq', bits: 16, gaps_as: 'dropped' }, samples),
  bench('rollover u32 t_ticks', 100e6, rollover, { field: 't_ticks', bits: 32, epoch_as: false }, samples),
  bench('derive voltage * current', 100e6, derive, { fields: { power: 'voltage * current' } }, samples),
  bench('derive voltage_raw * 3e-9', 100e6, derive, { fields: { v: 'voltage_raw * 3e-9' } }, samples),
  bench('derive t_ticks * 1000 + seq * 10000', 100e6, derive, { fields: { t: 't_ticks * 1000 + seq * 10000' } }, samples),
  bench('downsample minmax 10ms x2', 50e6, downsample, { method: 'minmax', every: '10ms', fields: ['voltage', 'current'] }, samples),
  bench('downsample mean 10ms x2', 50e6, downsample, { method: 'mean', every: '10ms', fields: ['voltage', 'current'] }, samples),
  bench('downsample lttb factor 1000', 0, downsample, { method: 'lttb', factor: 1000, fields: ['voltage'] }, samples),
  bench('jitter with seq', 20e6, jitter, { sent: 't_device_ns', arrival: 'host_time', seq: 'seq' }, samples),
  bench('cpu_window (every record a switch)', 20e6, cpuWindow, { window: '500ms' }, switches),
  bench('window 1s count/rate/mean/stddev', 0, window, { every: '1s', fields: ['voltage'], stats: ['count', 'rate', 'mean', 'stddev'] }, samples),
  bench('filter voltage > 2', 0, filter, { where: 'voltage > 2' }, samples),
];

const only = process.env.BENCH_TIME_ONLY;
const cases = all.filter((c, i) => i === 0 || only === undefined || c.name.includes(only));
const results = new Map<string, { wall: number; cpu: number }[]>(cases.map((c) => [c.name, []]));
for (let round = 0; round < REPEATS; round++) {
  for (const c of cases) {
    (globalThis as { gc?: () => void }).gc?.();
    results.get(c.name)!.push(await c.run());
  }
  process.stdout.write(`round ${round + 1}/${REPEATS} done\n`);
}

const baselineRate = median(results.get(cases[0].name)!.map((r) => r.wall));
const rows = cases.map((c) => {
  const runs = results.get(c.name)!;
  const wall = median(runs.map((r) => r.wall));
  const cpu = median(runs.map((r) => r.cpu));
  return {
    operator: c.name,
    'median M rec/s': (wall / 1e6).toFixed(1),
    'min..max': `${(Math.min(...runs.map((r) => r.wall)) / 1e6).toFixed(1)}..${(Math.max(...runs.map((r) => r.wall)) / 1e6).toFixed(1)}`,
    'x baseline': (wall / baselineRate).toFixed(2),
    'M rec/cpu-s': (cpu / 1e6).toFixed(1),
    goal: c.goal ? `>= ${c.goal / 1e6}` : '-',
    'met (wall)': c.goal ? (wall >= c.goal ? 'yes' : 'no') : '-',
  };
});
report('time-operators', rows, [
  `${(Math.ceil(RECORDS / BATCH) * BATCH / 1e6).toFixed(1)} M records per run in batches of ${BATCH}, ${REPEATS} runs each, operators alternating; through RxJS from(batches).pipe(op).`,
  'The machine is shared with other builds: compare rows of one run (x baseline), not runs with each other;',
  'M rec/cpu-s divides by the CPU time this process got (GC threads included), which other builds disturb less.',
]);
