import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileError, publish, writeFully } from './ipc-file.js';
import { END_OF_STREAM, type ScannedStream, scanIpcStream, selfContained } from './ipc.js';
import { META } from './metadata.js';
import type { ParquetSettings } from './parquet-settings.js';
import { ParquetStream } from './parquet-stream.js';

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

/** Why a leftover must be left alone: its writer is alive, or it is too fresh to tell (no schema yet). */
function inUse(file: string, scanned: ScannedStream | undefined): string | undefined {
  if (scanned) {
    const writer = liveWriter(scanned.metadata);
    return writer === undefined ? undefined : stillWritten(writer);
  }
  const ageMs = Date.now() - fs.statSync(file).mtimeMs;
  return ageMs < 60_000 ? 'empty and changed in the last minute (a writer may have just opened it); not touched' : undefined;
}

/** Recovers every leftover below `dir`. */
export async function recoverDirectory(dir: string): Promise<RecoveryResult[]> {
  const entries = (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).sort();
  const results: RecoveryResult[] = [];
  for (const entry of entries) {
    if (!fs.existsSync(entry)) continue; // removed while recovering an earlier entry
    if (entry.endsWith('.parquet.journal')) results.push(await recoverJournal(entry));
    else if (entry.endsWith('.arrows.partial')) results.push(recoverArrowStream(entry));
    else if (entry.endsWith('.parquet.partial') && !fs.existsSync(entry.replace(/\.partial$/, '.journal'))) {
      results.push({ from: entry, rows: 0, problem: 'no journal (journal: false); this file cannot be completed' });
    }
  }
  return results;
}

/** Rebuilds a Parquet file from its journal, with the settings and metadata the sink would have used. */
export async function recoverJournal(journalPath: string): Promise<RecoveryResult> {
  const finalPath = journalPath.replace(/\.journal$/, '');
  const partialPath = `${finalPath}.partial`;
  if (fs.existsSync(finalPath)) {
    // The file was completed; only the journal's removal was cut short.
    fs.rmSync(journalPath, { force: true });
    fs.rmSync(partialPath, { force: true });
    return { from: journalPath, file: finalPath, rows: 0, problem: 'already complete; journal removed' };
  }
  const scanned = scanIpcStream(fs.readFileSync(journalPath));
  const busy = inUse(journalPath, scanned);
  if (busy) return { from: journalPath, rows: 0, problem: busy };
  if (!scanned || scanned.batches.length === 0) {
    fs.rmSync(journalPath, { force: true });
    fs.rmSync(partialPath, { force: true });
    return { from: journalPath, rows: 0, problem: 'journal held no complete batch; removed' };
  }
  const stored = JSON.parse(scanned.metadata.get(META.parquetSettings) ?? 'null') as Omit<ParquetSettings, 'metadata'> | null;
  if (!stored) return { from: journalPath, rows: 0, problem: `not a journal of this software (no ${META.parquetSettings})` };
  const internal = new Set<string>([META.parquetSettings, META.writerPid, META.writerHost]);
  const metadata = [...scanned.metadata].filter(([key]) => !internal.has(key));
  metadata.push(['recording.recovered_from', path.basename(journalPath)]);
  fs.rmSync(partialPath, { force: true });
  const stream = new ParquetStream(partialPath, { ...stored, metadata });
  for (let i = 0; i < scanned.batches.length; i++) await stream.append(selfContained(scanned.schema, scanned.batches[i]), scanned.rows[i]);
  await stream.finish();
  publish(partialPath, finalPath);
  fs.rmSync(journalPath, { force: true });
  return { from: journalPath, file: finalPath, rows: stream.rows };
}

/** Trims a cut Arrow IPC stream to its last complete batch, ends it and gives it its final name. */
export function recoverArrowStream(partialPath: string): RecoveryResult {
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
  publish(partialPath, finalPath);
  return { from: partialPath, file: finalPath, rows };
}
