// Our pipeline against the tools users would pick instead, on the same reference input (see
// bench/reference-input.ts): frame, CRC-check, decode 25 samples per frame, calibrate, unwrap time,
// record. Every contender runs as its own process under /usr/bin/time -v, alternately, BENCH_REPEATS
// times (default 5); the table quotes medians and the median of the per-round ratios. A second job,
// frame + CRC + decode without writing, compares our operators with the C reference.
//   node --import tsx bench/compare.ts
//   BENCH_REPEATS=1 BENCH_INPUT_FRAMES=100000 node --import tsx bench/compare.ts    (a quick look)
// The Node peer (about 0.1 M samples/s) reads only the first BENCH_NODE_PEER_BYTES of the file
// (default 8 MB) so a round stays within minutes; its rates are per byte and sample it processed.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCPeer, cCommand, type Command, missingComponents, nodeCommand, pythonCommand, pythonPeerMissing } from './peers/index.js';
import { DATA_DIR, DEFAULT_PARAMS, ensureReferenceInput } from './reference-input.js';
import { compiledRunner } from './support/compiled.js';
import { haveGnuTime, measure, type Measured } from './support/measure.js';
import { median, report } from './support/report.js';
import { type PipelineCounts, pipelineCounts } from './support/pipeline-counts.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const NODE_PEER_BYTES = Number(process.env.BENCH_NODE_PEER_BYTES ?? 8_000_000);
const FRAMES = Number(process.env.BENCH_INPUT_FRAMES ?? DEFAULT_PARAMS.frames);
// Compiled JavaScript, as the installed `pipeline` command runs (see support/compiled.ts).
const RUN_PIPELINE = compiledRunner();

interface Run extends PipelineCounts {
  readonly wallS: number;
  readonly cpuS: number;
  /** Our pipeline only: CPU seconds before the runner started (loading modules, worker start). */
  readonly startupCpuS?: number;
  readonly peakRssMb: number;
  readonly outMb: number;
}

interface Contender {
  readonly name: string;
  readonly job: 'record' | 'frame+crc+decode';
  readonly outDir: string;
  readonly command: Command;
  /** Our pipeline prints runner metrics; the peers print their own counts. */
  readonly counts: (m: Measured) => PipelineCounts;
}

if (!haveGnuTime()) throw new Error('/usr/bin/time is missing: apt-get install -y time');
const input = ensureReferenceInput({ ...DEFAULT_PARAMS, frames: FRAMES });
console.log(`reference input: ${input.path} (${(input.bytes / 1e6).toFixed(1)} MB, ${input.reused ? 'reused' : 'generated'}), expected good frames ${input.expectedGoodFrames}`);

const notes: string[] = [];
const contenders: Contender[] = [];
const peerCounts = (m: Measured): PipelineCounts => ({
  bytesIn: Number(m.result.bytes_in),
  framesGood: Number(m.result.frames_good),
  framesBad: Number(m.result.frames_bad),
  samples: Number(m.result.samples),
});
const outDir = (name: string) => path.join(DATA_DIR, `out-${name}`);
const ours = (job: Contender['job'], file: string): Contender => ({
  name: 'telemetry-pipeline',
  job,
  outDir: path.join(DATA_DIR, 'out'),
  command: { command: process.execPath, args: [RUN_PIPELINE, path.join(HERE, 'pipelines', file), '--data-dir', DATA_DIR, '--set', `sources.input.path=${path.basename(input.path)}`] },
  counts: (m) => pipelineCounts(m.result),
});

for (const [job, file] of [['record', 'harvest-file.yml'], ['frame+crc+decode', 'decode-only.yml']] as const) {
  const missing = missingComponents(path.join(HERE, 'pipelines', file));
  if (missing.length === 0) contenders.push(ours(job, file));
  else notes.push(`our pipeline skipped for "${job}": components not on this branch yet: ${missing.join(', ')}`);
}
// Another checkout's pipeline (BENCH_BASELINE=/path, e.g. main) on the same record job, to show
// today's figures and the new ones from the same rounds.
const BASELINE = process.env.BENCH_BASELINE;
if (BASELINE) {
  const runner = compiledRunner(path.resolve(BASELINE), 'dist-baseline');
  contenders.push({
    name: `telemetry-pipeline at ${BASELINE}`,
    job: 'record',
    outDir: path.join(DATA_DIR, 'out'),
    command: { command: process.execPath, args: [runner, path.join(path.resolve(BASELINE), 'bench/pipelines/harvest-file.yml'), '--data-dir', DATA_DIR, '--set', `sources.input.path=${path.basename(input.path)}`] },
    counts: (m) => pipelineCounts(m.result),
  });
}
const c = buildCPeer();
if ('binary' in c) {
  contenders.push({ name: 'C -O2 (raw columns)', job: 'record', outDir: outDir('c'), command: cCommand(c.binary, input.path, outDir('c'), { write: true }), counts: peerCounts });
  contenders.push({ name: 'C -O2 (no write)', job: 'frame+crc+decode', outDir: outDir('c-nowrite'), command: cCommand(c.binary, input.path, outDir('c-nowrite'), { write: false }), counts: peerCounts });
} else notes.push(`C reference skipped: ${c.missing}`);
const python = pythonPeerMissing();
if (python === null) {
  contenders.push({ name: 'Python numpy+h5py gzip-1', job: 'record', outDir: outDir('python'), command: pythonCommand(input.path, path.join(outDir('python'), 'harvest.h5')), counts: peerCounts });
} else notes.push(`Python peer skipped: ${python}`);
contenders.push({
  name: 'Node serialport+crc+parquetjs-lite',
  job: 'record',
  outDir: outDir('node'),
  command: nodeCommand(input.path, path.join(outDir('node'), 'harvest.parquet'), Math.min(NODE_PEER_BYTES, input.bytes)),
  counts: peerCounts,
});

async function runOnce(contender: Contender): Promise<Run> {
  rmSync(contender.outDir, { recursive: true, force: true });
  mkdirSync(contender.outDir, { recursive: true });
  const measured = await measure(contender.command.command, contender.command.args);
  const inRunCpuS = typeof measured.result.cpu_s === 'number' ? measured.result.cpu_s : undefined;
  const run: Run = {
    wallS: measured.wallS,
    cpuS: measured.cpuS,
    startupCpuS: inRunCpuS === undefined ? undefined : measured.cpuS - inRunCpuS,
    peakRssMb: measured.peakRssMb,
    outMb: directoryBytes(contender.outDir) / 1e6,
    ...contender.counts(measured),
  };
  rmSync(contender.outDir, { recursive: true, force: true });
  return run;
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

// Pull the input into the page cache so the first contender does not pay for the disk alone.
if ('binary' in c) await measure(c.binary, [input.path, outDir('warmup'), '--no-write']);
const runs = new Map<Contender, Run[]>(contenders.map((k) => [k, []]));
for (let round = 0; round < REPEATS; round++) {
  const order = round % 2 === 0 ? contenders : [...contenders].reverse();
  for (const contender of order) {
    const run = await runOnce(contender);
    runs.get(contender)!.push(run);
    console.log(`round ${round + 1}/${REPEATS} ${contender.job} ${contender.name}: ${(run.samples / run.wallS / 1e6).toFixed(2)} M samples/s, ${run.wallS.toFixed(2)} s, cpu ${run.cpuS.toFixed(2)} s, rss ${run.peakRssMb.toFixed(0)} MB`);
  }
}

const rate = (r: Run) => r.samples / r.wallS;
/** Samples per CPU-second: steadier than wall time on a machine shared with other work. */
const cpuRate = (r: Run) => r.samples / r.cpuS;
const rows: Record<string, string | number>[] = [];
for (const contender of contenders) {
  const list = runs.get(contender)!;
  const reference = contenders.find((k) => k.job === contender.job && k.name === 'telemetry-pipeline');
  const ratio = (of: (r: Run) => number) => (reference && reference !== contender ? median(list.map((r, i) => of(runs.get(reference)![i]) / of(r))).toFixed(2) + 'x' : '-');
  const last = list[list.length - 1];
  rows.push({
    job: contender.job,
    contender: contender.name,
    'input MB': (last.bytesIn / 1e6).toFixed(1),
    'frames good/bad': `${last.framesGood}/${last.framesBad}`,
    samples: last.samples,
    'wall s': median(list.map((r) => r.wallS)).toFixed(2),
    'M samples/s': (median(list.map(rate)) / 1e6).toFixed(3),
    'MB/s': median(list.map((r) => r.bytesIn / r.wallS / 1e6)).toFixed(1),
    'CPU s': median(list.map((r) => r.cpuS)).toFixed(2),
    'M samples/CPU-s': (median(list.map(cpuRate)) / 1e6).toFixed(3),
    'peak RSS MB': median(list.map((r) => r.peakRssMb)).toFixed(0),
    'out MB': median(list.map((r) => r.outMb)).toFixed(0),
    'ours / this (wall)': ratio(rate),
    'ours / this (CPU)': ratio(cpuRate),
  });
}
for (const contender of contenders.filter((k) => k.name === 'telemetry-pipeline')) {
  const startup = median(runs.get(contender)!.map((r) => r.startupCpuS ?? 0));
  notes.push(`our "${contender.job}" process (compiled JavaScript, as installed) includes ${startup.toFixed(2)} s CPU of start-up (module loading), counted in its figures`);
}
notes.push(
  `${REPEATS} alternating rounds; medians; "ours / this" = median over rounds of our rate / its rate in the same round and job, by wall time and by CPU time (samples per CPU-second)`,
  `expected good frames ${input.expectedGoodFrames} of ${input.counters.frames_sent} sent (injected: ${input.counters.injected_bit_flips} bit flips, ${input.counters.injected_drops} drops, ${input.counters.injected_garbage_bytes} garbage bytes)`,
  `the Node peer reads the first ${(Math.min(NODE_PEER_BYTES, input.bytes) / 1e6).toFixed(1)} MB only (BENCH_NODE_PEER_BYTES)`,
);
report('compare', rows, notes);
