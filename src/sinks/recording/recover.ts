import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileError, publish, writeFully } from './ipc-file.js';
import { END_OF_STREAM, type ScannedStream, scanIpcStream, selfContained } from './ipc.js';
import { META } from './metadata.js';
import type { ParquetSettings } from './parquet-settings.js';
import { ParquetStream } from './parquet-stream.js';
import { uniquePath } from './naming.js';

/**
 * Turns what a hard kill left behind into complete files: a Parquet file's journal (`x.parquet.journal`)
 * becomes `x.parquet`; a cut Arrow stream (`x.arrows.partial`) is trimmed to its last complete batch
 * and gets its end marker. A `.partial` Parquet file without a journal cannot be completed.
 */
export interface RecoveryResult {
  /** The leftover that was read. */
  readonly from: string;
  /** The complete file written, if any. */
  readonly file?: string;
  readonly rows: number;
  /** Why nothing (or not everything) could be recovered. */
  readonly problem?: string;
  /** Something the user should know about a recovery that worked (a new name). */
  readonly note?: string;
}

/** The process still writing a stream, if it is alive on this host (then it is not a leftover). */
function liveWriter(metadata: ReadonlyMap<string, string>): number | undefined {
  const pid = Number(metadata.get(META.writerPid));
  if (!Number.isInteger(pid) || pid <= 0 || metadata.get(META.writerHost) !== os.hostname()) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

const stillWritten = (pid: number) => `still being written by process ${pid}; not touched`;

/** A process that has `file` open, found through /proc (Linux); undefined when none or no /proc. */
function processHolding(file: string): number | undefined {
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const target = path.resolve(file);
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/**
 * Why a leftover must be left alone: its writer is alive, or it has no schema yet and a process has
 * it open or it is too fresh to tell (a sink claims a name with an empty file before its encoder
 * opens it).
 */
function inUse(file: string, scanned: ScannedStream | undefined): string | undefined {
  if (scanned) {
    const writer = liveWriter(scanned.metadata);
    return writer === undefined ? undefined : stillWritten(writer);
  }
  const holder = processHolding(file);
  if (holder !== undefined) return stillWritten(holder);
  const ageMs = Date.now() - fs.statSync(file).mtimeMs;
  return ageMs < 60_000 ? 'empty and changed in the last minute (a writer may have just opened it); not touched' : undefined;
}

/** A `.parquet.partial` without a journal: nothing to rebuild it from; removed only when it is an empty, unused claim. */
export function partialWithoutJournal(file: string): RecoveryResult {
  if (fs.statSync(file).size > 0) return { from: file, rows: 0, problem: 'no journal (journal: false); this file cannot be completed' };
  const busy = inUse(file, undefined);
  if (busy) return { from: file, rows: 0, problem: busy };
  fs.rmSync(file, { force: true });
  return { from: file, rows: 0, problem: 'empty (its writer stopped before writing anything); removed' };
}

/** Recovers every leftover below `dir`. An error on one (a full disk) is reported for it; nothing of it is deleted. */
export async function recoverDirectory(dir: string): Promise<RecoveryResult[]> {
  const entries = (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).sort();
  const results: RecoveryResult[] = [];
  for (const entry of entries) {
    if (!fs.existsSync(entry)) continue; // removed while recovering an earlier entry
    try {
      if (entry.endsWith('.parquet.journal')) results.push(await recoverJournal(entry));
      else if (entry.endsWith('.arrows.partial')) results.push(await recoverArrowStream(entry));
      else if (entry.endsWith('.parquet.partial') && !fs.existsSync(entry.replace(/\.partial$/, '.journal'))) {
        results.push(partialWithoutJournal(entry));
      }
    } catch (error) {
      results.push({ from: entry, rows: 0, problem: `${(error as Error).message}; nothing was deleted` });
    }
  }
  return results;
}

/**
 * Whether the complete file at `finalPath` already holds everything in the journal: the same
 * recording (sink and start time in its metadata) with at least the journal's rows. Only then is the
 * journal redundant; anything else at that name (another file, a directory) is a different thing.
 */
async function holdsJournal(finalPath: string, scanned: ScannedStream): Promise<boolean> {
  if (!fs.lstatSync(finalPath).isFile()) return false;
  // DuckDB (a large native library) loads only when a leftover file has to be read.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const file = `'${finalPath.replace(/'/g, "''")}'`;
    const [count] = (await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${file})`)).getRowObjects();
    const kv = (await connection.runAndReadAll(`SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${file})`)).getRowObjects();
    const meta = new Map(kv.map((row) => [String(row.key), String(row.value)]));
    const rows = scanned.rows.reduce((a, b) => a + b, 0);
    const same = [META.sink, META.startNs].every((key) => meta.get(key) !== undefined && meta.get(key) === scanned.metadata.get(key));
    return same && Number(count.n) >= rows;
  } catch {
    return false; // not a Parquet file we can read: not this recording
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The final name to recover to: `wanted`, or a new one when something else is there (said in `note`). */
function recoveryTarget(wanted: string): { target: string; note?: string } {
  if (!fs.existsSync(wanted)) return { target: wanted };
  const target = uniquePath(wanted, new Set());
  return { target, note: `${wanted} is taken by something else (left as it is); recovered to ${path.basename(target)} instead` };
}

/** Rebuilds a Parquet file from its journal, with the settings and metadata the sink would have used. */
export async function recoverJournal(journalPath: string): Promise<RecoveryResult> {
  const finalPath = journalPath.replace(/\.journal$/, '');
  const partialPath = `${finalPath}.partial`;
  const scanned = scanIpcStream(fs.readFileSync(journalPath));
  const busy = inUse(journalPath, scanned);
  if (busy) return { from: journalPath, rows: 0, problem: busy };
  if (!scanned || scanned.batches.length === 0) {
    // The sink journals each chunk before encoding it, so the partial holds nothing the journal lacks.
    fs.rmSync(journalPath, { force: true });
    fs.rmSync(partialPath, { force: true });
    return { from: journalPath, rows: 0, problem: 'journal held no complete batch; removed' };
  }
  if (fs.existsSync(finalPath) && (await holdsJournal(finalPath, scanned))) {
    // The file was completed; only the journal's removal was cut short.
    fs.rmSync(journalPath, { force: true });
    fs.rmSync(partialPath, { force: true });
    return { from: journalPath, file: finalPath, rows: 0, problem: 'already complete (the file holds every row of the journal); journal removed' };
  }
  const stored = JSON.parse(scanned.metadata.get(META.parquetSettings) ?? 'null') as Omit<ParquetSettings, 'metadata'> | null;
  if (!stored) return { from: journalPath, rows: 0, problem: `not a journal of this software (no ${META.parquetSettings})` };
  const { target, note } = recoveryTarget(finalPath);
  const internal = new Set<string>([META.parquetSettings, META.writerPid, META.writerHost]);
  const metadata = [...scanned.metadata].filter(([key]) => !internal.has(key));
  metadata.push(['recording.recovered_from', path.basename(journalPath)]);
  // Written beside the leftovers, which stay until the new file is complete: a failure (a full disk)
  // removes only this file. A leftover of an interrupted recover is replaced ('w').
  const building = `${target}.recovering`;
  let rows = 0;
  try {
    const stream = new ParquetStream(building, { ...stored, metadata }, 'w');
    try {
      for (let i = 0; i < scanned.batches.length; i++) await stream.append(selfContained(scanned.schema, scanned.batches[i]), scanned.rows[i]);
    } finally {
      await stream.finish();
    }
    rows = stream.rows;
    publish(building, target);
  } catch (error) {
    fs.rmSync(building, { force: true });
    throw error;
  }
  fs.rmSync(journalPath, { force: true });
  fs.rmSync(partialPath, { force: true });
  return { from: journalPath, file: target, rows, note };
}

/** Trims a cut Arrow IPC stream to its last complete batch, ends it and gives it its final name. */
export async function recoverArrowStream(partialPath: string): Promise<RecoveryResult> {
  const finalPath = partialPath.replace(/\.partial$/, '');
  const bytes = fs.readFileSync(partialPath);
  const scanned = scanIpcStream(bytes);
  const busy = inUse(partialPath, scanned);
  if (busy) return { from: partialPath, rows: 0, problem: busy };
  if (!scanned) {
    fs.rmSync(partialPath, { force: true });
    return { from: partialPath, rows: 0, problem: 'no complete schema; removed' };
  }
  const rows = scanned.rows.reduce((a, b) => a + b, 0);
  const { target, note } = recoveryTarget(finalPath);
  const length = scanned.ended ? bytes.byteLength : scanned.validLength || scanned.schema.byteLength;
  try {
    fs.truncateSync(partialPath, length);
    if (!scanned.ended) {
      const fd = fs.openSync(partialPath, 'a');
      try {
        writeFully(fd, END_OF_STREAM, partialPath);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
  } catch (error) {
    throw fileError('repair', partialPath, error);
  }
  publish(partialPath, target);
  return { from: partialPath, file: target, rows, note };
}
