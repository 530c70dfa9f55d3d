import fs from 'node:fs';
import path from 'node:path';
import { confinePath } from '../../core/paths.js';

/**
 * File names of recordings. A `path` template may use `{name}` (pipeline name), `{start}` (time the
 * file was opened, UTC, e.g. 2026-11-21T11-04-47Z), `{date}` (2026-11-21), `{seq}` (file number of
 * this sink, 0001...) and `{column}` for each `partition_by` column. Partitioned files go into
 * Hive-style directories (`node=3/`) below the template's directory, which DuckDB, polars, pyarrow
 * and Spark read as one dataset.
 */
export interface NameParts {
  readonly name: string;
  readonly startMs: number;
  readonly seq: number;
  /** Partition column values, in `partition_by` order. */
  readonly partition: ReadonlyMap<string, string>;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const BUILT_IN = new Set(['name', 'start', 'date', 'seq']);

/** Throws when the template uses a placeholder that is neither built in nor a partition column. */
export function checkTemplate(template: string, partitionBy: readonly string[]): void {
  for (const [, key] of template.matchAll(PLACEHOLDER)) {
    if (!BUILT_IN.has(key) && !partitionBy.includes(key)) {
      throw new Error(`path: unknown placeholder {${key}} in "${template}"; use {name}, {start}, {date}, {seq} or a partition_by column`);
    }
  }
}

/** Makes a value safe as one path segment: letters, digits, `.`, `_`, `-` stay, the rest is %-encoded. */
export function pathSegment(value: string): string {
  if (value === '') return '__HIVE_DEFAULT_PARTITION__';
  const encoded = value.replace(/[^A-Za-z0-9._-]/g, (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  return encoded === '.' || encoded === '..' ? encoded.replace(/\./g, '%2E') : encoded;
}

function utcStamp(ms: number): { start: string; date: string } {
  const iso = new Date(ms).toISOString(); // 2026-11-21T11:04:47.123Z
  return { start: `${iso.slice(0, 19).replace(/:/g, '-')}Z`, date: iso.slice(0, 10) };
}

/** Expands the template for one file, inside `dataDir` (escapes are refused), with Hive directories. */
export function recordingPath(dataDir: string, template: string, parts: NameParts): string {
  const { start, date } = utcStamp(parts.startMs);
  const values: Record<string, string> = { name: pathSegment(parts.name), start, date, seq: String(parts.seq).padStart(4, '0') };
  for (const [key, value] of parts.partition) values[key] = pathSegment(value);
  const expanded = template.replace(PLACEHOLDER, (_, key: string) => values[key]);
  const hive = [...parts.partition].map(([key, value]) => `${key}=${pathSegment(value)}`);
  return confinePath(dataDir, path.join(path.dirname(expanded), ...hive, path.basename(expanded)));
}

/** The names tried for a file, in order: the template's, then `-2`, `-3`... before the extension. */
function* candidateNames(candidate: string): Generator<string> {
  yield candidate;
  const ext = path.extname(candidate);
  const stem = candidate.slice(0, candidate.length - ext.length);
  for (let n = 2; ; n++) yield `${stem}-${n}${ext}`;
}

/** Whether a recording name is used: the file, its `.partial` or its `.journal` exists, or this process holds it. */
function taken(name: string, inUse: ReadonlySet<string>): boolean {
  return inUse.has(name) || fs.existsSync(name) || fs.existsSync(`${name}.partial`) || fs.existsSync(`${name}.journal`);
}

/**
 * A name no other file has: when the template yields a name already on disk or in use (no {seq} or
 * {start} in it, or two files in one second), `-2`, `-3`... goes before the extension.
 */
export function uniquePath(candidate: string, inUse: ReadonlySet<string>): string {
  for (const name of candidateNames(candidate)) if (!taken(name, inUse)) return name;
  throw new Error('unreachable');
}

/** How many names `claimRecordingPath` tries before it gives up (each one taken by another file). */
const MAX_CLAIM_TRIES = 10_000;

/**
 * Like uniquePath, and safe against other processes: the name is claimed by creating its empty
 * `.partial` file exclusively (O_EXCL), so of two pipelines that pick the same name at the same
 * moment one gets it and the other goes on to the next name. Creates the directories on the way.
 * The writer then opens the claimed `.partial` without creating it.
 */
export function claimRecordingPath(candidate: string, inUse: ReadonlySet<string>): string {
  fs.mkdirSync(path.dirname(candidate), { recursive: true });
  let tries = 0;
  for (const name of candidateNames(candidate)) {
    if (taken(name, inUse)) continue;
    try {
      fs.closeSync(fs.openSync(`${name}.partial`, 'wx'));
      return name;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (++tries >= MAX_CLAIM_TRIES) break;
  }
  throw new Error(`cannot find a free name for ${candidate}: ${MAX_CLAIM_TRIES} names were taken while trying`);
}
