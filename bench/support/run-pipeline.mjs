// Runs one pipeline file with the same Runner as `pipeline run`, from compiled JavaScript: this file
// is copied next to a compiled checkout (bench/support/compiled.ts), so its imports are that
// checkout's. Prints one JSON line at the end: every component's counters, wall seconds, CPU seconds
// of this process (all its threads) and its peak RSS, so benchmarks read what happened without
// parsing the CLI's table.
//   node bench/build/dist/run-pipeline.mjs FILE [--data-dir DIR] [--duration 20s] [--set k=v]...
//     [--memory-interval MS]   (when forked with IPC: sends its heap every MS and stops on "stop")
//     [--log-level warn]       (logs on stderr; default: none)
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadPipelineFile } from './core/config/load.js';
import { createLogger, silentLogger } from './core/log.js';
import { parseDurationMs } from './core/options.js';
import { Runner } from './core/runner/runner.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'data-dir': { type: 'string' }, duration: { type: 'string' }, set: { type: 'string', multiple: true }, 'memory-interval': { type: 'string' }, 'log-level': { type: 'string' } },
});
const load = (registry) => loadPipelineFile(positionals[0], registry, { overrides: values.set ?? [] });
// As `pipeline run` does: only the components the file names are loaded. A checkout older than the
// catalog (a BENCH_BASELINE) loads them all.
const plan = existsSync(new URL('./catalog.js', import.meta.url))
  ? await (await import('./catalog.js')).catalogRegistry().resolve(load)
  : load((await import('./components.js')).defaultRegistry());
const runner = new Runner(plan, { log: values['log-level'] ? createLogger(values['log-level'], false) : silentLogger, dataDir: path.resolve(values['data-dir'] ?? process.cwd()) });

const send = (message) => process.send?.(message);
const memoryTimer = values['memory-interval']
  ? setInterval(() => send({ type: 'memory', heap_used: process.memoryUsage().heapUsed }), Number(values['memory-interval']))
  : undefined;
process.on('message', (message) => message === 'stop' && runner.stop());
// A parent that goes away (a killed soak) is a stop too, so no pipeline is left running.
process.on('disconnect', () => runner.stop());

const cpuBefore = process.cpuUsage();
const started = performance.now();
const timer = values.duration ? setTimeout(() => runner.stop(), parseDurationMs(values.duration)) : undefined;
const result = await runner.run();
clearTimeout(timer);
clearInterval(memoryTimer);
const cpu = process.cpuUsage(cpuBefore);
const output = {
  reason: result.reason,
  error: result.error?.message,
  wall_s: (performance.now() - started) / 1000,
  cpu_s: (cpu.user + cpu.system) / 1e6,
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  metrics: result.metrics.snapshot(),
};
process.stdout.write(`${JSON.stringify(output)}\n`);
send({ type: 'done', ...output });
process.disconnect?.();
process.exitCode = result.reason === 'failed' ? 1 : 0;
