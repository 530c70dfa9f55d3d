// The pipeline under soak, in its own process: runs a pipeline file with the same Runner as
// `pipeline run`, reports its heap over IPC every --interval ms, stops cleanly on a "stop" message
// and sends every component's final counters before it exits.
//   (started by bench/soak/index.ts through child_process.fork)
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultRegistry } from '../../src/components.js';
import { loadPipelineFile } from '../../src/core/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { Runner } from '../../src/core/runner/runner.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'data-dir': { type: 'string' }, interval: { type: 'string', default: '10000' }, set: { type: 'string', multiple: true } },
});
const plan = loadPipelineFile(positionals[0], defaultRegistry(), { overrides: values.set ?? [] });
const runner = new Runner(plan, { log: createLogger('warn', false), dataDir: path.resolve(values['data-dir'] ?? process.cwd()) });
const send = (message: unknown) => process.send?.(message);
const timer = setInterval(() => {
  const m = process.memoryUsage();
  send({ type: 'memory', heap_used: m.heapUsed, heap_total: m.heapTotal, external: m.external, array_buffers: m.arrayBuffers, rss: m.rss });
}, Number(values.interval));
process.on('message', (message) => {
  if (message === 'stop') runner.stop();
});
// The parent going away is a stop too, so a killed soak never leaves the pipeline running.
process.on('disconnect', () => runner.stop());
const result = await runner.run();
clearInterval(timer);
send({ type: 'done', reason: result.reason, error: result.error?.message, metrics: result.metrics.snapshot() });
process.disconnect?.();
