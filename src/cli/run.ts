import path from 'node:path';
import type { LevelWithSilent } from 'pino';
import { catalogRegistry } from '../catalog.js';
import { loadPipelineFile } from '../core/config/load.js';
import { createLogger } from '../core/log.js';
import { afterLongDelay } from '../core/long-timeout.js';
import { parseDurationMs } from '../core/options.js';
import { Runner } from '../core/runner/runner.js';
import { standardOutput } from '../sinks/stdout/output.js';
import { parseCommandArgs, UsageError } from './args.js';
import { renderCounters } from './counters.js';


/**
 * Runs a pipeline until its sources end, --duration passes, or SIGINT/SIGTERM: then sources stop,
 * operators flush, sinks close, the counters are printed and the exit code is 0. A second signal
 * exits at once. A failing component is named and the exit code is 1.
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    set: { type: 'string', multiple: true },
    duration: { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
    'data-dir': { type: 'string' },
  });
  if (positionals.length !== 1) throw new UsageError('run takes one pipeline file');
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  const level = values['log-level']!;
  if (!levels.includes(level)) throw new UsageError(`--log-level must be one of ${levels.join(', ')}`);
  let durationMs: number | undefined;
  try {
    durationMs = values.duration === undefined ? undefined : parseDurationMs(values.duration);
  } catch (error) {
    throw new UsageError(`--duration: ${(error as Error).message}`);
  }

  // Path escapes are pipeline-file mistakes: found here, with file, line and key, like `validate` does.
  const dataDir = path.resolve(values['data-dir'] ?? process.cwd());
  const plan = await catalogRegistry().resolve((registry) => loadPipelineFile(positionals[0], registry, { overrides: values.set ?? [], dataDir }));
  const log = createLogger(level as LevelWithSilent);
  for (const note of plan.notes ?? []) log.info(note);
  const runner = new Runner(plan, { log, dataDir });
  const started = performance.now();

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`\n${signal} again: exiting at once without flushing\n`);
      process.exit(130);
    }
    log.info({ signal }, 'signal received: stopping (send it again to exit at once)');
    runner.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed stdout stops only the stdout sinks; when they are all the pipeline has, nothing is left to do.
  if (plan.sinks.every((sink) => sink.definition.type === 'stdout')) {
    standardOutput().onReaderGone(() => {
      log.info('standard output was closed and every sink writes to it: stopping');
      runner.stop();
    });
  }
  // A closed stderr (a terminal gone) must not end the run: logs and the counters table are lost, not the data.
  const ignoreStderrError = () => undefined;
  process.stderr.on('error', ignoreStderrError);
  // --duration counts from when data flows, not from when sinks began starting up.
  let cancelDuration: (() => void) | undefined;
  void runner.flowing.then(() => {
    if (durationMs !== undefined) cancelDuration = afterLongDelay(durationMs, () => runner.stop());
  });
  log.info({ pipeline: plan.name, file: positionals[0], duration: values.duration }, 'pipeline running; Ctrl-C stops it cleanly');

  try {
    const result = await runner.run();
    process.stderr.write(renderCounters(runner.metrics, (performance.now() - started) / 1000));
    if (result.reason === 'failed') {
      process.stderr.write(`error: ${result.error?.message}\n`);
      return 1;
    }
    return 0;
  } finally {
    cancelDuration?.();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stderr.off('error', ignoreStderrError);
    log.flush?.();
  }
}
