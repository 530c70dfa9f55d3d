// Engine overhead: simulator (rate: max, emit: records) -> 5 no-op steps -> counting sink, through
// the runner and RxJS, against the same generation loop without RxJS. Alternates A and B and
// reports medians.  Run: node --import tsx bench/engine.ts
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { COMPONENTS } from '../src/components.js';
import type { Batch } from '../src/core/batch.js';
import { loadPipelineText } from '../src/core/config/load.js';
import { silentLogger } from '../src/core/log.js';
import { MetricsRegistry } from '../src/core/metrics.js';
import { Registry } from '../src/core/registry.js';
import { Runner } from '../src/core/runner/runner.js';
import { FrameGenerator } from '../src/sources/simulator/generator.js';
import { createHarvester } from '../src/sources/simulator/harvester.js';
import { Prng } from '../src/sources/simulator/prng.js';
import { collectSink, passOperator } from '../test/helpers/components.js';
import { median, report } from './support/report.js';

const ROWS = Number(process.env.BENCH_ENGINE_ROWS ?? 10_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const registry = new Registry([...COMPONENTS, passOperator, collectSink]);

async function withRunner(batchFrames: number, frames: number): Promise<number> {
  const plan = loadPipelineText(
    `
sources: { node: { type: simulator, rate: max, emit: records, batch_frames: ${batchFrames}, frames: ${frames} } }
transforms: { t: { inputs: [node], steps: [ {type: pass}, {type: pass}, {type: pass}, {type: pass}, {type: pass} ] } }
sinks: { count: { type: collect, inputs: [t] } }
`,
    registry,
  );
  const start = performance.now();
  const result = await new Runner(plan, { log: silentLogger }).run();
  const ms = performance.now() - start;
  if (result.metrics.get('count')!.itemsIn !== frames * 25) throw new Error('runner lost rows');
  return ms;
}

/** The same work by hand: generate a batch, call five no-op functions on it, count, yield. */
async function withoutRxjs(batchFrames: number, frames: number): Promise<number> {
  const metrics = new MetricsRegistry().register('node', 'source', 'simulator');
  const generator = new FrameGenerator(createHarvester({ sampleRateHz: 100_000, samplesPerFrame: 25 }, new Prng(1)), new Prng(1), { bit_flip: 0, drop: 0, garbage: 0, truncate: 0, reset: 0, stall: 0 }, metrics, { seq: 0, ticks: 0 });
  const noop = (b: Batch) => b;
  const steps = [noop, noop, noop, noop, noop];
  let rows = 0;
  const start = performance.now();
  while (generator.produced < frames) {
    let batch: Batch = generator.nextRecords(Math.min(batchFrames, frames - generator.produced), 'node', 0);
    for (const step of steps) batch = step(batch);
    rows += batch.kind === 'records' ? batch.length : 0;
    await yieldToLoop();
  }
  const ms = performance.now() - start;
  if (rows !== frames * 25) throw new Error('baseline lost rows');
  return ms;
}

const rows: Record<string, string | number>[] = [];
for (const batchRows of [1025, 4100, 16400]) {
  const batchFrames = batchRows / 25;
  const frames = Math.round(ROWS / 25 / batchFrames) * batchFrames;
  await withRunner(batchFrames, Math.min(frames, 40_000));
  await withoutRxjs(batchFrames, Math.min(frames, 40_000));
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const ms = await withRunner(batchFrames, frames);
    const base = await withoutRxjs(batchFrames, frames);
    a.push(ms);
    b.push(base);
    ratios.push(ms / base);
  }
  rows.push({
    'rows/batch': batchRows,
    rows: frames * 25,
    'runner ms (median)': median(a).toFixed(0),
    'no-RxJS ms (median)': median(b).toFixed(0),
    'runner rows/s': `${((frames * 25) / (median(a) / 1000) / 1e6).toFixed(1)} M`,
    'overhead (median of ratios)': `${((median(ratios) - 1) * 100).toFixed(1)} %`,
  });
}
report('engine', rows, [`${REPEATS} alternating runs per batch size; overhead goal <= 5 % at >= 1024 rows/batch`]);
