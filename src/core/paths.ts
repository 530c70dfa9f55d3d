import path from 'node:path';

/**
 * Resolves a path from config inside `baseDir` and refuses anything that would escape it (`..`,
 * absolute paths elsewhere), so a pipeline file cannot write or read outside its data directory.
 */
export function confinePath(baseDir: string, configured: string, key = 'path'): string {
  const base = path.resolve(baseDir);
  const resolved = path.resolve(base, configured);
  const relative = path.relative(base, resolved);
  if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) return resolved;
  throw new Error(`${key} "${configured}" resolves to ${resolved}, outside the data directory ${base}; use a path below it or set --data-dir`);
}
