// Soak: pipelines/harvest.yml (whatever it records and serves today) at the default real-time rate
// for N minutes, with RSS (read from /proc/PID/status, outside the process) and heap (reported by the
// process) sampled every 10 s. Reports the drift: median of the last quarter of the samples against
// the median of the first quarter. Goal: RSS <= 150 MB and drift <= 5 % over 60 minutes.
//   npm run soak -- --minutes 60
//   npm run soak -- --minutes 2 --interval 2s      (a quick look)
//   npm run soak -- --pipeline bench/pipelines/soak-harvest.yml   (the full harvest chain of docs/architecture.md)
// Not a benchmark of `npm run bench` (it takes an hour) and not part of CI.
import { fork } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import type { ComponentSnapshot } from '../../src/core/metrics.js';
import { parseDurationMs } from '../../src/core/options.js';
import { DATA_DIR } from '../reference-input.js';
import { median, report, RESULTS_DIR } from '../support/report.js';
import { drift } from './drift.js';
import { compiledRunner } from '../support/compiled.js';
import { freePort } from '../support/free-port.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const { values } = parseArgs({ options: { minutes: { type: 'string', default: '60' }, interval: { type: 'string', default: '10s' }, pipeline: { type: 'string' } } });
const minutes = Number(values.minutes);
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${values.minutes}`);
const intervalMs = parseDurationMs(values.interval!);
const pipelineFile = path.resolve(values.pipeline ?? path.join(ROOT, 'pipelines/harvest.yml'));
const workDir = path.join(DATA_DIR, 'soak');
// Each soak starts from an empty folder, so recordings of earlier soaks do not pile up.
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });

const doc = parse(readFileSync(pipelineFile, 'utf8')) as { sinks?: Record<string, { type: string }> };
const overrides: string[] = [];
for (const [id, sink] of Object.entries(doc.sinks ?? {})) {
  if (sink.type === 'websocket') overrides.push(`sinks.${id}.listen=127.0.0.1:${await freePort()}`);
}
const sinkTypes = Object.values(doc.sinks ?? {}).map((s) => s.type);

const log = openSync(path.join(workDir, 'pipeline.log'), 'w');
// Compiled JavaScript, as the installed `pipeline` runs (tsx would add its compiler to every thread),
// in a folder of its own: other benchmarks recompile bench/build/dist, and an hour-long run loads
// modules (the encoder thread of each new file) long after it started.
const child = fork(compiledRunner(undefined, 'dist-soak'), [pipelineFile, '--data-dir', workDir, '--memory-interval', String(intervalMs), '--log-level', 'warn', ...overrides.flatMap((o) => ['--set', o])], {
  execArgv: [],
  cwd: ROOT,
  stdio: ['ignore', log, log, 'ipc'],
});
console.log(`soak: ${path.relative(ROOT, pipelineFile)} (sinks: ${sinkTypes.join(', ')}) for ${minutes} min, pid ${child.pid}, samples every ${intervalMs / 1000} s; log in ${path.relative(ROOT, workDir)}/pipeline.log`);

interface Sample {
  t_s: number;
  rss_mb: number;
  heap_mb: number;
}
const samples: Sample[] = [];
const started = performance.now();
let final: { reason: string; error?: string; metrics: ComponentSnapshot[] } | undefined;
child.on('message', (message: { type: string; heap_used?: number; reason?: string; error?: string; metrics?: ComponentSnapshot[] }) => {
  if (message.type === 'memory') {
    const sample = { t_s: (performance.now() - started) / 1000, rss_mb: procRssMb(child.pid!), heap_mb: message.heap_used! / 2 ** 20 };
    samples.push(sample);
    console.log(`${sample.t_s.toFixed(0).padStart(6)} s  rss ${sample.rss_mb.toFixed(1)} MB  heap ${sample.heap_mb.toFixed(1)} MB`);
  } else if (message.type === 'done') final = message as typeof final;
});
const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

/** VmRSS of a process as the kernel sees it. */
function procRssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

const stop = () => child.send('stop');
const timer = setTimeout(stop, minutes * 60_000);
process.once('SIGINT', () => {
  clearTimeout(timer);
  stop();
});
// Bounded: if the pipeline does not stop within a minute of being asked, it is killed by its PID.
const killer = setTimeout(() => child.kill('SIGKILL'), minutes * 60_000 + 60_000);
const code = await exited;
clearTimeout(timer);
clearTimeout(killer);

const rss = drift(samples.map((s) => s.rss_mb));
const heap = drift(samples.map((s) => s.heap_mb));
const sources = final?.metrics.filter((m) => m.kind === 'source') ?? [];
const sinks = final?.metrics.filter((m) => m.kind === 'sink') ?? [];
const rows = [
  { measure: 'RSS MB', 'first quarter (median)': rss.first.toFixed(1), 'last quarter (median)': rss.last.toFixed(1), 'drift %': rss.percent.toFixed(1), max: Math.max(...samples.map((s) => s.rss_mb)).toFixed(1), goal: 'max <= 150 MB, drift <= 5 %' },
  { measure: 'heap MB', 'first quarter (median)': heap.first.toFixed(1), 'last quarter (median)': heap.last.toFixed(1), 'drift %': heap.percent.toFixed(1), max: Math.max(...samples.map((s) => s.heap_mb)).toFixed(1), goal: 'drift <= 5 %' },
];
const notes = [
  `${minutes} min of ${path.relative(ROOT, pipelineFile)}, ${samples.length} samples every ${intervalMs / 1000} s; exit code ${code}, run ${final?.reason ?? 'ended without final counters'}${final?.error ? `: ${final.error}` : ''}`,
  `sources sent ${sources.reduce((n, m) => n + (m.counters.frames_sent ?? 0), 0)} frames; sinks: ${sinks.map((m) => `${m.id} (${m.type}) took ${m.items_in}, dropped ${m.drops}`).join('; ')}`,
  `median RSS over the whole run ${median(samples.map((s) => s.rss_mb)).toFixed(1)} MB`,
];
report('soak', rows, notes);
writeFileSync(path.join(RESULTS_DIR, 'soak-samples.json'), JSON.stringify({ pipeline: pipelineFile, minutes, samples, final }, null, 2));
process.exitCode = code === 0 ? 0 : 1;
