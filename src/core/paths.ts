import fs from 'node:fs';
import path from 'node:path';

/** Symbolic links followed at most, as the kernel does (ELOOP beyond). */
const MAX_LINK_HOPS = 40;

/**
 * Resolves a path from config inside `baseDir` and refuses anything that would escape it, so a
 * pipeline file cannot read or write outside its data directory: `..`, absolute paths elsewhere, and
 * symbolic links below the data directory that lead out of it. The link check compares real paths:
 * for a path that does not exist yet (a recording, a rotation's next file, a partition directory) the
 * real path of its deepest existing ancestor, so a link anywhere on the way counts, dangling or not.
 *
 * Returns the path as configured (resolved, links kept), so names in logs are the ones the user wrote.
 * The check runs when a component opens a file (each new recording file runs it again); it guards
 * against a config that points out, not against another local user swapping links in between.
 */
export function confinePath(baseDir: string, configured: string, key = 'path'): string {
  const base = path.resolve(baseDir);
  const resolved = path.resolve(base, configured);
  if (!isInside(base, resolved)) {
    throw new Error(`${key} "${configured}" resolves to ${resolved}, outside the data directory ${base}; use a path below it or set --data-dir`);
  }
  const realBase = realPath(base);
  const real = realPath(resolved);
  if (!isInside(realBase, real)) {
    throw new Error(
      `${key} "${configured}" leads through a symbolic link to ${real}, outside the data directory ${base}` +
        `${realBase === base ? '' : ` (really ${realBase})`}; links may only point inside it (or set --data-dir to where the files are)`,
    );
  }
  return resolved;
}

function isInside(base: string, target: string): boolean {
  const relative = path.relative(base, target);
  return relative === '' || (!relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative));
}

/**
 * The real path of an absolute path that may not exist: every symbolic link on the way resolved,
 * including dangling ones (which `realpath` refuses, but which a later `mkdir` or `open` would follow).
 */
export function realPath(absolute: string, hops = 0): string {
  try {
    return fs.realpathSync.native(absolute);
  } catch {
    // Not there (yet), a dangling link, or a file in the middle: resolve what exists by hand.
  }
  let link: string | undefined;
  try {
    if (fs.lstatSync(absolute).isSymbolicLink()) link = fs.readlinkSync(absolute);
  } catch {
    link = undefined;
  }
  if (link !== undefined) {
    if (hops >= MAX_LINK_HOPS) throw new Error(`too many levels of symbolic links at ${absolute}`);
    // A relative target counts from the link's own (real) directory.
    return realPath(path.resolve(realPath(path.dirname(absolute), hops + 1), link), hops + 1);
  }
  const parent = path.dirname(absolute);
  if (parent === absolute) return absolute;
  return path.join(realPath(parent, hops), path.basename(absolute));
}
