import path from 'node:path';
import { catalogRegistry } from '../catalog.js';
import { loadPipelineFile } from '../core/config/load.js';
import { parseCommandArgs, UsageError } from './args.js';


/**
 * Checks a pipeline file and reports every problem with file, line and key; exit 2 on problems.
 * File paths are checked against the data directory `run` would use (the same --data-dir default).
 */
export async function validateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { set: { type: 'string', multiple: true }, 'data-dir': { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('validate takes one pipeline file');
  const dataDir = path.resolve(values['data-dir'] ?? process.cwd());
  // Loads the definitions of the components the file names, and only those.
  const plan = await catalogRegistry().resolve((registry) => loadPipelineFile(positionals[0], registry, { overrides: values.set ?? [], dataDir }));
  const steps = plan.transforms.reduce((n, t) => n + t.steps.length, 0);
  process.stdout.write(`${positionals[0]}: ok (pipeline "${plan.name}": ${plan.sources.length} sources, ${plan.transforms.length} transforms with ${steps} steps, ${plan.sinks.length} sinks)\n`);
  for (const note of plan.notes ?? []) process.stdout.write(`  note: ${note}\n`);
  return 0;
}
