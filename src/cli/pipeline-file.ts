import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './args.js';

/** The example pipelines shipped with the command (the same place from src/cli and dist/cli). */
export const EXAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pipelines');

export interface ResolvedPipelineFile {
  readonly file: string;
  /** Set when a bare name was taken as a shipped example: says which file that is. */
  readonly note?: string;
}

/**
 * The pipeline file an argument names. A path that exists is used as given. A bare name (no
 * directory part) that is no file here is the shipped example of that name, with or without
 * `.yml`, so `pipeline run harvest.yml` works from any directory. Anything else is passed on as
 * given, for the loader to report as not found.
 */
export function resolvePipelineFile(arg: string, examplesDir = EXAMPLES_DIR): ResolvedPipelineFile {
  if (existsSync(arg) || arg.includes('/') || arg.includes(path.sep)) return { file: arg };
  const candidates = /\.ya?ml$/.test(arg) ? [arg] : [`${arg}.yml`, `${arg}.yaml`];
  for (const name of candidates) {
    const example = path.join(examplesDir, name);
    if (existsSync(example)) return { file: example, note: `${arg} is no file here: using the shipped example ${shown(example)}` };
  }
  throw new UsageError(`no file ${arg} here, and no shipped example of that name; examples: ${exampleNames(examplesDir).join(', ') || 'none'}`);
}

/** Relative to the current directory when inside it, else the absolute path (no ../../..). */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') ? relative : file;
}

function exampleNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((name) => /\.ya?ml$/.test(name) && !name.includes('.test.')).sort();
  } catch {
    return [];
  }
}
