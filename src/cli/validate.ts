import path from 'node:path';
import { catalogRegistry } from '../catalog.js';
import { loadPipelineFile } from '../core/config/load.js';
import { loadPipelineTests } from '../core/pipeline-test/load.js';
import { parseCommandArgs, UsageError } from './args.js';
import { COMMANDS } from './commands.js';
import { registerCommandHelp } from './help.js';
import { resolvePipelineFile } from './pipeline-file.js';


export const validateHelp = registerCommandHelp({
  name: 'validate',
  usage: COMMANDS.validate.usage,
  summary: 'Checks a pipeline file without running it and reports every problem with file, line, column and key. Exit code 0 when it is fine, 2 when it is not.',
  options: [
    ['FILE', 'The pipeline file, or the name of a shipped example'],
    ['--set key.path=value', 'Override one key of the pipeline file (the value is read as YAML; repeat for more keys); e.g. --set sources.node.type=serial'],
    ['--data-dir DIR', 'The data directory `run` would use; file paths outside it are reported; default: the current directory'],
  ],
  examples: ['pipeline validate pipelines/harvest.yml', 'pipeline validate my-sensor.yml --set sources.dev.path=capture.bin'],
});

/**
 * Checks a pipeline file and reports every problem with file, line and key; exit 2 on problems.
 * File paths are checked against the data directory `run` would use (the same --data-dir default).
 */
export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { set: { type: 'string', multiple: true }, 'data-dir': { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('validate takes one pipeline file');
  const dataDir = path.resolve(values['data-dir'] ?? process.cwd());
  const { file, note } = resolvePipelineFile(positionals[0]);
  if (note) process.stdout.write(`${note}\n`);
  // Loads the definitions of the components the file names, and only those.
  const registry = catalogRegistry();
  const plan = await registry.resolve((resolved) => loadPipelineFile(file, resolved, { overrides: values.set ?? [], dataDir }));
  // The tests it carries (its tests: block and NAME.test.yml) are checked against the same plan.
  const tests = await registry.resolve((resolved) => loadPipelineTests(file, plan, resolved));
  const steps = plan.transforms.reduce((n, t) => n + t.steps.length, 0);
  const tested = tests.length > 0 ? `, ${tests.length} test${tests.length === 1 ? '' : 's'}` : '';
  process.stdout.write(`${note ? file : positionals[0]}: ok (pipeline "${plan.name}": ${plan.sources.length} sources, ${plan.transforms.length} transforms with ${steps} steps, ${plan.sinks.length} sinks${tested})\n`);
  for (const note of plan.notes ?? []) process.stdout.write(`  note: ${note}\n`);
  return 0;
}
