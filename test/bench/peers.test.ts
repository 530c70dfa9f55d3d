// The benchmark peers must do the same job as our pipeline, or the comparison means nothing: on a
// 1 MB reference input each decodes the same good frames with the same sample sums as our decoder,
// and on a clean input the sums equal what the simulator generated.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCPeer, cCommand, type Command, missingComponents, nodeCommand, type PeerResult, pythonCommand, pythonPeerMissing, ROOT } from '../../bench/peers/index.js';
import { DEFAULT_PARAMS, ensureReferenceInput, type ReferenceInput } from '../../bench/reference-input.js';
import { lastJsonLine } from '../../bench/support/measure.js';
import { pipelineCounts } from '../../bench/support/pipeline-counts.js';
import { COMPONENTS } from '../../src/components.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { MetricsRegistry } from '../../src/core/metrics.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { FrameGenerator } from '../../src/sources/simulator/generator.js';
import { createHarvester } from '../../src/sources/simulator/harvester.js';
import { Prng } from '../../src/sources/simulator/prng.js';
import { collected, collectSink } from '../helpers/components.js';

const run = promisify(execFile);
const FRAMES = 5000; // about 1.07 MB
const NO_FAULTS = { bit_flip: 0, drop: 0, garbage: 0, truncate: 0, reset: 0, stall: 0 };

let dir: string;
let faulty: ReferenceInput;
let clean: ReferenceInput;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'peers-'));
  faulty = ensureReferenceInput({ ...DEFAULT_PARAMS, frames: FRAMES }, dir);
  clean = ensureReferenceInput({ ...DEFAULT_PARAMS, frames: FRAMES, faults: NO_FAULTS }, dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runPeer({ command, args }: Command): Promise<PeerResult> {
  const { stdout } = await run(command, args, { timeout: 60_000, maxBuffer: 1 << 20 });
  return lastJsonLine(stdout) as unknown as PeerResult;
}

/** Sums of the raw sample values the simulator generated, from its records form (no framing). */
function generatedSums(seed: number, frames: number): { voltage: bigint; current: bigint } {
  const prng = new Prng(seed);
  const device = createHarvester({ sampleRateHz: 100_000, samplesPerFrame: 25 }, prng);
  const generator = new FrameGenerator(device, prng, NO_FAULTS, new MetricsRegistry().register('truth', 'source', 'simulator'), { seq: 0, ticks: 0 });
  const batch = generator.nextRecords(frames, 'truth', 0);
  const sum = (name: string) => (batch.columns[name] as Uint32Array).reduce((n, v) => n + BigInt(v), 0n);
  return { voltage: sum('voltage_raw'), current: sum('current_raw') };
}

/** Our frame (with CRC) + decode steps (bench/pipelines/decode-only.yml) into a collecting sink. */
async function ourDecoder(input: ReferenceInput): Promise<PeerResult> {
  const pipeline = readFileSync(path.join(ROOT, 'bench/pipelines/decode-only.yml'), 'utf8').replace(/count: \{[^}]*\}/, 'count: { type: collect, inputs: [samples], keep: true }');
  const plan = loadPipelineText(pipeline, new Registry([...COMPONENTS, collectSink]), { overrides: [`sources.input.path=${path.basename(input.path)}`] });
  const result = await new Runner(plan, { log: silentLogger, dataDir: dir }).run();
  let voltage = 0n;
  let current = 0n;
  for (const batch of collected.get('count')!.batches) {
    if (batch.kind !== 'records') continue;
    for (const v of batch.columns.voltage_raw as Uint32Array) voltage += BigInt(v);
    for (const c of batch.columns.current_raw as Uint32Array) current += BigInt(c);
  }
  const counts = pipelineCounts({ reason: result.reason, metrics: result.metrics.snapshot() });
  return {
    peer: 'ours',
    bytes_in: counts.bytesIn,
    frames_good: counts.framesGood,
    frames_bad: counts.framesBad,
    samples: counts.samples,
    sum_voltage_raw: String(voltage),
    sum_current_raw: String(current),
  };
}

const c = buildCPeer();
const pythonMissing = pythonPeerMissing();
const oursMissing = missingComponents(path.join(ROOT, 'bench/pipelines/decode-only.yml'));
if (!('binary' in c)) console.warn(`skipping the C peer checks: ${c.missing}`);
if (pythonMissing) console.warn(`skipping the Python peer checks: ${pythonMissing}`);

const same = (a: PeerResult, b: PeerResult) => {
  expect(a.frames_good).toBe(b.frames_good);
  expect(a.samples).toBe(b.samples);
  expect(a.sum_voltage_raw).toBe(b.sum_voltage_raw);
  expect(a.sum_current_raw).toBe(b.sum_current_raw);
};

describe('benchmark peers', () => {
  it.skipIf(!('binary' in c))('C reference: every intact frame of the faulty input, and the generated sums on the clean one', async () => {
    const binary = (c as { binary: string }).binary;
    const result = await runPeer(cCommand(binary, faulty.path, dir, { write: false }));
    expect(result.frames_good).toBe(faulty.expectedGoodFrames);
    expect(result.frames_bad).toBeGreaterThanOrEqual(faulty.counters.injected_bit_flips);
    expect(result.samples).toBe(result.frames_good * 25);
    const cleanResult = await runPeer(cCommand(binary, clean.path, dir, { write: true }));
    const truth = generatedSums(clean.params.seed, FRAMES);
    expect(cleanResult.frames_good).toBe(FRAMES);
    expect(cleanResult.sum_voltage_raw).toBe(String(truth.voltage));
    expect(cleanResult.sum_current_raw).toBe(String(truth.current));
    // Raw binary columns: 8 bytes per sample each.
    expect(readFileSync(path.join(dir, 't_ns.bin')).length).toBe(FRAMES * 25 * 8);
  });

  it.skipIf(!('binary' in c) || pythonMissing !== null)('Python stack decodes exactly what the C reference decodes', async () => {
    const python = await runPeer(pythonCommand(faulty.path, path.join(dir, 'faulty.h5')));
    same(python, await runPeer(cCommand((c as { binary: string }).binary, faulty.path, dir, { write: false })));
    const truth = generatedSums(clean.params.seed, FRAMES);
    const cleanResult = await runPeer(pythonCommand(clean.path, path.join(dir, 'clean.h5')));
    expect(cleanResult.sum_voltage_raw).toBe(String(truth.voltage));
  });

  it.skipIf(!('binary' in c))('Node stack decodes a clean prefix exactly and loses frames only on resync', async () => {
    // About 0.1 M samples/s: a prefix of 1,400 frames keeps this test short.
    const frames = 1400;
    const cleanResult = await runPeer(nodeCommand(clean.path, path.join(dir, 'clean.parquet'), frames * 213));
    const truth = generatedSums(clean.params.seed, frames);
    expect(cleanResult.frames_good).toBe(frames);
    expect(cleanResult.sum_voltage_raw).toBe(String(truth.voltage));
    expect(cleanResult.sum_current_raw).toBe(String(truth.current));
    const result = await runPeer(nodeCommand(faulty.path, path.join(dir, 'faulty.parquet'), frames * 213));
    const reference = await runPeer(cCommand((c as { binary: string }).binary, faulty.path, dir, { write: false, maxBytes: frames * 213 }));
    // The packet-length parser swallows a good frame after a false start in garbage: never more
    // than the intact frames, and (at these fault rates) not many fewer.
    expect(result.frames_good).toBeLessThanOrEqual(reference.frames_good);
    expect(result.frames_good).toBeGreaterThan(reference.frames_good * 0.98);
    expect(result.samples).toBe(result.frames_good * 25);
  });

  it('the pipeline of our side names only components of this build', () => {
    // Ours is never skipped: a component missing here is a bug in this repository, not a missing peer.
    expect(oursMissing).toEqual([]);
  });

  it('our frame + crc + decode finds every intact frame', async () => {
    const ours = await ourDecoder(faulty);
    expect(ours.frames_good).toBe(faulty.expectedGoodFrames);
    expect(ours.frames_bad).toBeGreaterThanOrEqual(faulty.counters.injected_bit_flips);
    expect(ours.samples).toBe(ours.frames_good * 25);
  });

  it.skipIf(!('binary' in c))('our frame + crc + decode agrees with the C reference and the Python stack', async () => {
    const ours = await ourDecoder(faulty);
    same(ours, await runPeer(cCommand((c as { binary: string }).binary, faulty.path, dir, { write: false })));
    if (pythonMissing === null) same(ours, await runPeer(pythonCommand(faulty.path, path.join(dir, 'ours.h5'))));
  });
});
