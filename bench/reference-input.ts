// The reference input of the peer comparisons: the simulator's harvester byte stream (raw bytes, the
// reference protocol, no capture framing, because the peers read raw bytes) with a few per mille of
// injected faults, generated once with a fixed seed into bench/data/ and reused while its parameters
// stay the same. The parameters and the simulator's injected-fault counters sit next to the file.
//   node --import tsx bench/reference-input.ts [--frames N] [--seed N]    prints the file's path
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MetricsRegistry } from '../src/core/metrics.js';
import { type FaultRates, FrameGenerator } from '../src/sources/simulator/generator.js';
import { createHarvester } from '../src/sources/simulator/harvester.js';
import { Prng } from '../src/sources/simulator/prng.js';

export const DATA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'data');

/** What the file is made of; a file is reused only when all of these match. */
export interface ReferenceParams {
  readonly frames: number;
  readonly seed: number;
  readonly samples_per_frame: number;
  readonly faults: FaultRates;
}

/** The generated file, its parameters and what the simulator counted while writing it. */
export interface ReferenceInput {
  readonly path: string;
  readonly bytes: number;
  readonly params: ReferenceParams;
  /** Simulator counters: frames_sent, injected_bit_flips, injected_drops, injected_garbage_bytes. */
  readonly counters: Record<string, number>;
  /** Frames a correct decoder accepts: sent minus those with a flipped bit (truncation is off). */
  readonly expectedGoodFrames: number;
  readonly reused: boolean;
}

/** 1,000,000 frames of 213 bytes: about 213 MB, 25 M samples. */
export const DEFAULT_PARAMS: ReferenceParams = {
  frames: 1_000_000,
  seed: 20_240_601,
  samples_per_frame: 25,
  faults: { bit_flip: 0.002, drop: 0.001, garbage: 0.002, truncate: 0, reset: 0, stall: 0 },
};

const FRAMES_PER_WRITE = 4096;

/** The file name says what is in it, so files with other parameters live side by side. */
export function referenceFileName(params: ReferenceParams): string {
  const f = params.faults;
  return `harvest-s${params.seed}-f${params.frames}-k${params.samples_per_frame}-bf${f.bit_flip}-dr${f.drop}-gb${f.garbage}-tr${f.truncate}.bin`;
}

/**
 * Returns the reference input for `params`, generating it into `dir` unless a file with the same
 * parameters and the recorded size is already there. The file is written under a temporary name and
 * renamed when complete, so an interrupted generation is never mistaken for a finished one.
 */
export function ensureReferenceInput(params: ReferenceParams = DEFAULT_PARAMS, dir = DATA_DIR): ReferenceInput {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, referenceFileName(params));
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Omit<ReferenceInput, 'reused' | 'path'>;
    if (JSON.stringify(meta.params) === JSON.stringify(params) && statSync(file).size === meta.bytes) return { ...meta, path: file, reused: true };
  }
  const metrics = new MetricsRegistry().register('reference', 'source', 'simulator');
  // One PRNG for device and faults, as the simulator source does, so the bytes equal `pipeline simulate`'s.
  const prng = new Prng(params.seed);
  const device = createHarvester({ sampleRateHz: 100_000, samplesPerFrame: params.samples_per_frame }, prng);
  const generator = new FrameGenerator(device, prng, params.faults, metrics, { seq: 0, ticks: 0 });
  const partial = `${file}.partial`;
  const fd = openSync(partial, 'w');
  let bytes = 0;
  try {
    while (generator.produced < params.frames) {
      const { data } = generator.nextBytes(Math.min(FRAMES_PER_WRITE, params.frames - generator.produced));
      writeSync(fd, data);
      bytes += data.length;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(partial, file);
  const counters = Object.fromEntries(metrics.counters);
  const expectedGoodFrames = (counters.frames_sent ?? 0) - (counters.injected_bit_flips ?? 0);
  const meta = { bytes, params, counters, expectedGoodFrames };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return { ...meta, path: file, reused: false };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { frames: { type: 'string' }, seed: { type: 'string' } } });
  const params = { ...DEFAULT_PARAMS, frames: Number(values.frames ?? DEFAULT_PARAMS.frames), seed: Number(values.seed ?? DEFAULT_PARAMS.seed) };
  const started = performance.now();
  const input = ensureReferenceInput(params);
  const verb = input.reused ? 'reused' : `generated in ${((performance.now() - started) / 1000).toFixed(1)} s`;
  process.stderr.write(`${verb}: ${(input.bytes / 1e6).toFixed(1)} MB, ${JSON.stringify(input.counters)}\n`);
  process.stdout.write(`${input.path}\n`);
}
