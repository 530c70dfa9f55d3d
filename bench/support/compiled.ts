// Our pipeline as users run it: compiled JavaScript (what `npm run build` makes and the installed
// `pipeline` command runs), not TypeScript compiled on the fly by tsx, which costs every process 1 to
// 3 s of CPU and about 70 MB per thread before it reads a byte. Benchmarks compile a checkout once
// into bench/build/ and run bench/support/run-pipeline.ts's runner against that output.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BENCH = path.resolve(HERE, '..');

/** The runner of bench/support/run-pipeline.ts (same arguments, same JSON line), on compiled code. */
const RUN_SCRIPT = `import path from 'node:path';
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { loadPipelineFile } from './core/config/load.js';
import { silentLogger } from './core/log.js';
import { parseDurationMs } from './core/options.js';
import { Runner } from './core/runner/runner.js';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'data-dir': { type: 'string' }, duration: { type: 'string' }, set: { type: 'string', multiple: true } } });
const load = (registry) => loadPipelineFile(positionals[0], registry, { overrides: values.set ?? [] });
// As \`pipeline run\` does: load only the components the file names; a checkout older than the
// catalog loads them all.
const plan = existsSync(new URL('./catalog.js', import.meta.url))
  ? await (await import('./catalog.js')).catalogRegistry().resolve(load)
  : load((await import('./components.js')).defaultRegistry());
const runner = new Runner(plan, { log: silentLogger, dataDir: path.resolve(values['data-dir'] ?? process.cwd()) });
const cpuBefore = process.cpuUsage();
const started = performance.now();
const timer = values.duration ? setTimeout(() => runner.stop(), parseDurationMs(values.duration)) : undefined;
const result = await runner.run();
clearTimeout(timer);
const cpu = process.cpuUsage(cpuBefore);
const output = { reason: result.reason, error: result.error?.message, wall_s: (performance.now() - started) / 1000, cpu_s: (cpu.user + cpu.system) / 1e6,
  peak_rss_mb: process.resourceUsage().maxRSS / 1024, metrics: result.metrics.snapshot() };
process.stdout.write(JSON.stringify(output) + '\\n');
process.exitCode = result.reason === 'failed' ? 1 : 0;
`;

const compiled = new Map<string, string>();

/**
 * Compiles the checkout at `root` (default: this one) into bench/build/<name> once per process and
 * returns the path of its runner script. The output sits inside this checkout so node_modules resolve.
 */
export function compiledRunner(root = path.resolve(BENCH, '..'), name = 'dist'): string {
  const known = compiled.get(root);
  if (known) return known;
  const out = path.join(BENCH, 'build', name);
  rmSync(out, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [path.join(BENCH, '../node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', out], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`compiling ${root} failed: ${tsc.stdout}${tsc.stderr}`);
  cpSync(path.join(root, 'src/sinks/websocket/page'), path.join(out, 'sinks/websocket/page'), { recursive: true });
  const runner = path.join(out, 'run-pipeline.mjs');
  writeFileSync(runner, RUN_SCRIPT);
  compiled.set(root, runner);
  return runner;
}
