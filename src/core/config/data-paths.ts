import type { ComponentDefinition } from '../component.js';
import { confinePath } from '../paths.js';
import type { Report } from './zod-issues.js';

/** `{name}`, `{start}`, a partition column...: each becomes one safe path segment when a file opens. */
const PLACEHOLDER = /\{[A-Za-z_][A-Za-z0-9_]*\}/g;

/**
 * Checks the options a component names as files below the data directory (`dataPaths`), so
 * `validate` finds `../x`, an absolute path elsewhere or `{name}/../..` instead of `run` failing
 * when the file opens. Placeholders are tried as a plain segment: whatever value fills them is
 * encoded into one segment, so a template that stays inside with "x" stays inside with any value.
 */
export function checkDataPaths(definition: ComponentDefinition, options: unknown, path: readonly (string | number)[], dataDir: string, report: Report): void {
  for (const key of definition.dataPaths ?? []) {
    const value = (options as Record<string, unknown> | null)?.[key];
    if (typeof value !== 'string') continue;
    try {
      confinePath(dataDir, value.replace(PLACEHOLDER, 'x'), key);
    } catch (error) {
      report([...path, key], (error as Error).message.replace(`"${value.replace(PLACEHOLDER, 'x')}"`, JSON.stringify(value)));
    }
  }
}
