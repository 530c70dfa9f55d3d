// Runs one pipeline file with the same Runner as `pipeline run`, then prints one JSON line: every
// component's counters, wall seconds, CPU seconds of this process (process.cpuUsage) and its peak RSS
// (process.resourceUsage), so benchmarks can read what happened without parsing the CLI's table.
//   node --import tsx bench/support/run-pipeline.ts FILE [--data-dir DIR] [--duration 20s] [--set k=v]...
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRegistry } from '../../src/components.js';
import { loadPipelineFile } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { parseDurationMs } from '../../src/core/options.js';
import { Runner } from '../../src/core/runner/runner.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'data-dir': { type: 'string' }, duration: { type: 'string' }, set: { type: 'string', multiple: true } },
});
const plan = loadPipelineFile(positionals[0], defaultRegistry(), { overrides: values.set ?? [] });
const runner = new Runner(plan, { log: silentLogger, dataDir: path.resolve(values['data-dir'] ?? process.cwd()) });
const cpuBefore = process.cpuUsage();
const started = performance.now();
const timer = values.duration ? setTimeout(() => runner.stop(), parseDurationMs(values.duration)) : undefined;
const result = await runner.run();
clearTimeout(timer);
const wallS = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const output = {
  reason: result.reason,
  error: result.error?.message,
  wall_s: wallS,
  cpu_s: (cpu.user + cpu.system) / 1e6,
  peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  metrics: result.metrics.snapshot(),
};
process.stdout.write(`${JSON.stringify(output)}\n`);
process.exitCode = result.reason === 'failed' ? 1 : 0;
