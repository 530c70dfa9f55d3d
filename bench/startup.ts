// Start-up cost of the commands that do no pipeline work: `pipeline list` and `pipeline validate
// FILE`, against `node -e 0` (the floor: Node itself) in the same run, since the machine is shared.
// Runs the built CLI (dist/; `npm run build` first), the three commands alternating, and reports the
// median wall time, CPU time and peak RSS of N runs each. BENCH_STARTUP_BASELINE=DIR adds the same
// two commands of another checkout's build (DIR/dist/cli.js), e.g. the main branch, to the same run.
//   Run: node --import tsx bench/startup.ts
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveGnuTime, measure, type Measured } from './support/measure.js';
import { median, report } from './support/report.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist/cli.js');
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);

if (!haveGnuTime()) throw new Error('bench/startup.ts needs /usr/bin/time (Debian package "time") for peak RSS');
if (!existsSync(cli)) throw new Error(`no ${path.relative(root, cli)}: run "npm run build" first`);

// Each checkout validates its own pipelines/harvest.yml (the file's keys follow its code).
const commands: Record<string, { args: string[]; cwd: string }> = {
  'node -e 0 (floor)': { args: ['-e', '0'], cwd: root },
  'pipeline list': { args: [cli, 'list'], cwd: root },
  'pipeline validate pipelines/harvest.yml': { args: [cli, 'validate', 'pipelines/harvest.yml'], cwd: root },
};
const baseline = process.env.BENCH_STARTUP_BASELINE;
if (baseline) {
  const other = path.resolve(baseline, 'dist/cli.js');
  if (!existsSync(other)) throw new Error(`BENCH_STARTUP_BASELINE: no ${other}`);
  commands['baseline: pipeline list'] = { args: [other, 'list'], cwd: path.resolve(baseline) };
  commands['baseline: pipeline validate pipelines/harvest.yml'] = { args: [other, 'validate', 'pipelines/harvest.yml'], cwd: path.resolve(baseline) };
}

const runs = new Map<string, Measured[]>(Object.keys(commands).map((name) => [name, []]));
const loadBefore = os.loadavg()[0];
for (let i = 0; i < RUNS; i++) {
  for (const [name, { args, cwd }] of Object.entries(commands)) runs.get(name)!.push(await measure(process.execPath, args, { cwd, timeoutMs: 60_000 }));
}
const loadAfter = os.loadavg()[0];

const floor = median(runs.get('node -e 0 (floor)')!.map((m) => m.wallS));
report(
  'startup',
  [...runs].map(([name, measured]) => {
    const wall = median(measured.map((m) => m.wallS));
    return {
      command: name,
      runs: measured.length,
      'wall s (median)': wall.toFixed(3),
      'wall over floor s': (wall - floor).toFixed(3),
      'cpu s (median)': median(measured.map((m) => m.cpuS)).toFixed(3),
      'peak RSS MB (median)': median(measured.map((m) => m.peakRssMb)).toFixed(1),
    };
  }),
  [`load average (1 min) before ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)}; ${os.cpus().length} CPUs; target (issue 16): <= 0.15 s and <= 60 MB`],
);
