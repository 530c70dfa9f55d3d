import path from 'node:path';
import type { LevelWithSilent } from 'pino';
import { catalogRegistry } from '../catalog.js';
import { loadPipelineFile } from '../core/config/load.js';
import { createLogger } from '../core/log.js';
import { afterLongDelay } from '../core/long-timeout.js';
import { parseDurationMs } from '../core/options.js';
import { isPipelineFileMistake } from '../core/pipeline-file-mistake.js';
import { Runner } from '../core/runner/runner.js';
import { standardOutput } from '../sinks/stdout/output.js';
import { parseCommandArgs, UsageError } from './args.js';
import { renderCounters } from './counters.js';
import { parseTags, withTags } from './run-tags.js';
import { registerCommandHelp } from './help.js';
import { resolvePipelineFile } from './pipeline-file.js';
import { COMMANDS } from './commands.js';

export const runHelp = registerCommandHelp({
  name: 'run',
  usage: COMMANDS.run.usage,
  summary: 'Runs a pipeline until its sources end, --duration passes, or Ctrl-C (which flushes and closes every sink first). FILE is a pipeline file; a bare name such as harvest.yml that is no file here is the example of that name in pipelines/. Exit codes: 0 finished, 1 a component failed, 2 a mistake in the command line or pipeline file.',
  options: [
    ['FILE', 'The pipeline file (YAML), or the name of a shipped example (harvest.yml, cobs.yml...)'],
    ['--set key.path=value', 'Override one key of the pipeline file (the value is read as YAML; repeat for more keys); e.g. --set sources.node.type=serial'],
    ['--tag key=value', 'Store key=value in every recording\'s metadata (Parquet key-value metadata); repeat for more tags; e.g. --tag operator=alice'],
    ['--duration 30s', 'Stop cleanly after this long, counted from when data flows; default: run until the sources end or Ctrl-C'],
    ['--log-level info', 'Log detail on stderr: fatal, error, warn, info, debug, trace or silent; debug also shows how steps are merged'],
    ['--data-dir DIR', 'Directory that every file path in the pipeline (recordings, captures) must stay inside; default: the current directory'],
  ],
  examples: [
    'pipeline run harvest.yml --duration 30s                 # the simulated harvester for 30 s',
    'pipeline run pipelines/harvest.yml --set sources.node.type=serial --set sources.node.path=/dev/ttyACM0',
    'pipeline run harvest.yml --set sinks.live.listen=127.0.0.1:9000   # the live view on another port',
  ],
});

/**
 * Runs a pipeline until its sources end, --duration passes, or SIGINT/SIGTERM/SIGHUP: then sources stop,
 * operators flush, sinks close, the counters are printed and the exit code is 0. A second signal
 * exits at once. A failing component is named and the exit code is 1.
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    set: { type: 'string', multiple: true },
    tag: { type: 'string', multiple: true },
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
  const tags = parseTags(values.tag ?? []);
  const { file, note: fileNote } = resolvePipelineFile(positionals[0]);
  const plan = withTags(await catalogRegistry().resolve((registry) => loadPipelineFile(file, registry, { overrides: values.set ?? [], dataDir })), tags);
  const log = createLogger(level as LevelWithSilent);
  if (fileNote) log.info(fileNote);
  for (const note of plan.notes ?? []) log.info(note);
  for (const detail of plan.details ?? []) log.debug(detail);
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
  // A closed terminal or SSH session (SIGHUP) would otherwise end the process at once, before the
  // sinks flush: it is a clean stop like the others.
  process.on('SIGHUP', onSignal);
  // Started by a supervisor with an IPC channel (`pipeline testbed`): the supervisor gone is a stop.
  const onSupervisorGone = () => {
    log.info('the process that started this pipeline is gone: stopping');
    runner.stop();
  };
  if (process.channel) process.once('disconnect', onSupervisorGone);
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
  // "running" once it is: a sink that cannot start (a port in use) is reported without it.
  void runner.flowing.then(() => {
    if (durationMs !== undefined) cancelDuration = afterLongDelay(durationMs, () => runner.stop());
    if (!runner.failed) log.info({ pipeline: plan.name, file, duration: values.duration }, 'pipeline running; Ctrl-C stops it cleanly');
  });

  try {
    const result = await runner.run();
    process.stderr.write(renderCounters(runner.metrics, (performance.now() - started) / 1000));
    if (result.reason === 'failed') {
      process.stderr.write(`error: ${result.error?.message}\n`);
      // A mistake in the file found only now (a column, a missing file) is the file's, as in validate.
      return isPipelineFileMistake(result.error) ? 2 : 1;
    }
    return 0;
  } finally {
    cancelDuration?.();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('disconnect', onSupervisorGone);
    // The channel would keep the process alive after the run.
    if (process.channel) process.disconnect();
    process.stderr.off('error', ignoreStderrError);
    log.flush?.();
  }
}
