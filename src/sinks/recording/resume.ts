import fs from 'node:fs';
import path from 'node:path';
import type { Batch } from '../../core/batch.js';
import type { ComponentContext, RecordedQuery, SinkEnding, SinkInstance } from '../../core/component.js';
import { confinePath } from '../../core/paths.js';
import { scanIpcStream } from './ipc.js';
import { META } from './metadata.js';
import { pathSegment } from './naming.js';
import { type RecorderConfig, Recorder } from './recorder.js';
import { type RecoveryResult, partialWithoutJournal, recoverArrowStream, recoverJournal } from './recover.js';

/**
 * Starting a recording sink after a crash, so a restart is all it takes:
 *
 * 1. Leftovers of this sink (same pipeline name and sink id in their metadata) whose writer is gone
 *    are completed, as `pipeline recover` would: a journal becomes its Parquet file, a cut Arrow
 *    stream is trimmed and ended. Leftovers of other pipelines are left alone.
 * 2. A marker file `.<pipeline>.<sink>.unclean` in the recording directory says since when this sink
 *    has not stopped cleanly. It is written before the first row, kept across crashes (the oldest time
 *    wins) and removed only when the sink closes at the normal end of a run, after its source
 *    confirmed every acknowledgement.
 * 3. `recorded()` answers a resuming source (the `nats` source after a crash): which values of its key
 *    column (`stream_seq`) are already in this sink's Parquet files written since that time. The rows
 *    themselves are the record of what was written, so the answer holds whatever instant the process
 *    was killed at: a message is either in a file (its journal was recovered into one) or not.
 */
export function openRecording(config: RecorderConfig, context: ComponentContext): Promise<SinkInstance> {
  // Configuration mistakes (a path outside the data directory) throw here, before anything starts.
  const dir = recordingDirectory(context.dataDir, config.path);
  const recorder = new Recorder(config, context);
  const owner = { pipeline: context.pipeline.name, sink: context.id };
  return (async () => {
    if (isDirectory(dir)) {
      for (const result of await completeLeftovers(dir, owner)) {
        if (result.file) {
          context.log.info({ file: result.file, rows: result.rows }, `recording: completed ${path.basename(result.from)} left by an earlier run`);
          context.metrics.count('leftovers_completed');
        } else if (result.problem) context.log.warn({ file: result.from }, `recording: ${result.problem}`);
      }
    }
    const marker = new UncleanMarker(path.join(dir, `.${pathSegment(owner.pipeline)}.${pathSegment(owner.sink)}.unclean`));
    const since = marker.read();
    return new ResumableRecorder(recorder, { dir, owner, since, marker, context, parquet: config.format === 'parquet' });
  })().catch(async (error: unknown) => {
    await recorder.close().catch(() => undefined);
    throw error;
  });
}

/** What starting a recording counts, on top of RECORDING_METRICS. */

/** The directory a path template writes below: the part before its first placeholder. */
export function recordingDirectory(dataDir: string, template: string): string {
  const placeholder = template.indexOf('{');
  const prefix = placeholder === -1 ? template : template.slice(0, placeholder);
  return confinePath(dataDir, prefix.endsWith('/') ? prefix : path.dirname(prefix));
}

interface Owner {
  readonly pipeline: string;
  readonly sink: string;
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** Files below `dir`, skipping hidden directories and node_modules (a data directory may be a project). */
function walk(dir: string, out: string[] = []): string[] {
  if (!isDirectory(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(full, out);
    } else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** The schema metadata at the head of an Arrow IPC stream, reading only the schema message. */
function streamMetadata(file: string): ReadonlyMap<string, string> | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const prefix = Buffer.alloc(8);
    if (fs.readSync(fd, prefix, 0, 8, 0) < 8) return undefined;
    const length = 8 + prefix.readInt32LE(4);
    if (length <= 8 || length > 64 * 1024 * 1024) return undefined;
    const head = Buffer.alloc(length);
    if (fs.readSync(fd, head, 0, length, 0) < length) return undefined;
    return scanIpcStream(head)?.metadata;
  } finally {
    fs.closeSync(fd);
  }
}

function ownedBy(metadata: ReadonlyMap<string, string> | undefined, owner: Owner): boolean {
  return metadata?.get(META.pipelineName) === owner.pipeline && metadata?.get(META.sink) === owner.sink;
}

/** Completes this sink's journals and cut Arrow streams below `dir`; empty claims age out as in `pipeline recover`. */
export async function completeLeftovers(dir: string, owner: Owner): Promise<RecoveryResult[]> {
  const results: RecoveryResult[] = [];
  for (const file of walk(dir).sort()) {
    if (!fs.existsSync(file)) continue; // removed while completing an earlier one
    try {
      if (file.endsWith('.parquet.journal') || file.endsWith('.arrows.partial')) {
        if (fs.statSync(file).size === 0) {
          // Empty: nothing to complete and no owner to read; removed once no process holds it and it is not fresh.
          results.push(file.endsWith('.arrows.partial') ? partialWithoutJournal(file) : await recoverJournal(file));
          continue;
        }
        if (!ownedBy(streamMetadata(file), owner)) continue;
        results.push(file.endsWith('.journal') ? await recoverJournal(file) : await recoverArrowStream(file));
      } else if (file.endsWith('.parquet.partial') && !fs.existsSync(file.replace(/\.partial$/, '.journal'))) {
        if (fs.statSync(file).size === 0) results.push(partialWithoutJournal(file));
      }
    } catch (error) {
      results.push({ from: file, rows: 0, problem: `${(error as Error).message}; nothing was deleted` });
    }
  }
  return results;
}

/** The marker of a sink that has not stopped cleanly since a time (ms since the epoch). */
class UncleanMarker {
  constructor(readonly file: string) {}

  /** Since when the sink has not stopped cleanly (undefined: it stopped cleanly last time, or never ran). */
  read(): number | undefined {
    try {
      const since = Number((JSON.parse(fs.readFileSync(this.file, 'utf8')) as { since?: unknown }).since);
      return Number.isFinite(since) ? since : 0; // unreadable: look at everything
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : 0;
    }
  }

  /** Records that this run, started at `startMs`, has not stopped cleanly; an older marker stays. */
  begin(startMs: number): void {
    if (fs.existsSync(this.file)) return;
    this.write(startMs);
  }

  /** The run stopped cleanly: no earlier run's rows can wait for an acknowledgement any more. */
  clear(): void {
    if (!fs.existsSync(this.file)) return;
    fs.rmSync(this.file, { force: true });
    syncDirectory(path.dirname(this.file));
  }

  private write(since: number): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    const fd = fs.openSync(temporary, 'w');
    try {
      fs.writeSync(fd, JSON.stringify({ since, pid: process.pid }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, this.file);
    syncDirectory(path.dirname(this.file));
  }
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Files a clock step could misdate: files changed this long before the marker's time are read too. */
const CLOCK_MARGIN_MS = 60_000;

interface ResumeState {
  readonly dir: string;
  readonly owner: Owner;
  readonly since: number | undefined;
  readonly marker: UncleanMarker;
  readonly context: ComponentContext;
  readonly parquet: boolean;
}

/** The recorder, plus what it holds from runs that did not stop cleanly, and the marker's upkeep. */
class ResumableRecorder implements SinkInstance {
  constructor(
    private readonly recorder: Recorder,
    private readonly state: ResumeState,
  ) {}

  private readonly startMs = Date.now();
  private marked = false;

  write(batch: Batch): Promise<void> {
    if (!this.marked) {
      this.marked = true;
      // Before the first row reaches a file. Without the marker a crash can only cost duplicates
      // (redeliveries are then written again), never rows, so a failure here is reported, not fatal.
      try {
        this.state.marker.begin(this.startMs);
      } catch (error) {
        this.state.context.metrics.error('marker_failed');
        this.state.context.log.warn(`recording: cannot write ${this.state.marker.file} (${(error as Error).message}); after a crash, redelivered rows may be recorded twice`);
      }
    }
    return this.recorder.write(batch);
  }

  sync(): Promise<void> {
    return this.recorder.sync();
  }

  async recorded(query: RecordedQuery): Promise<ReadonlyMap<number, number>> {
    const { since, dir, owner, context, parquet } = this.state;
    // Arrow files: readers would need an extension; their redeliveries are written again (counted by the source).
    if (since === undefined || !parquet || !fs.existsSync(dir)) return new Map();
    const files = walk(dir).filter((f) => f.endsWith('.parquet') && fs.statSync(f).mtimeMs >= since - CLOCK_MARGIN_MS);
    if (files.length === 0) return new Map();
    const held = await heldValues(files, owner, query);
    context.log.info(`recording: ${held.size} values of ${query.column} in ${query.from}..${query.to} are already recorded (${files.length} files since ${new Date(since).toISOString()} read)`);
    return held;
  }

  async close(ending?: SinkEnding): Promise<void> {
    await this.recorder.close();
    if (ending?.aborted !== true) this.state.marker.clear();
  }
}

const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Values of the key column in `files` (only this sink's) within the query's range, with their row counts. */
async function heldValues(files: readonly string[], owner: Owner, query: RecordedQuery): Promise<Map<number, number>> {
  // DuckDB (a large native library) loads only when a leftover file has to be read.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = `[${files.map(sqlString).join(', ')}]`;
    const kv = await connection.runAndReadAll(
      `SELECT file_name, decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${list}) WHERE decode(key) IN (${sqlString(META.pipelineName)}, ${sqlString(META.sink)})`,
    );
    const meta = new Map<string, Map<string, string>>();
    for (const row of kv.getRowObjects()) {
      const name = String(row.file_name);
      if (!meta.has(name)) meta.set(name, new Map());
      meta.get(name)!.set(String(row.key), String(row.value));
    }
    const own = [...meta].filter(([, m]) => ownedBy(m, owner)).map(([name]) => name);
    const held = new Map<number, number>();
    // A file without the column (another schema) holds none of its values.
    const withColumn: string[] = [];
    for (const file of own) {
      const columns = await connection.runAndReadAll(`SELECT name FROM parquet_schema(${sqlString(file)}) WHERE name = ${sqlString(query.column)}`);
      if (columns.getRowObjects().length > 0) withColumn.push(file);
    }
    if (withColumn.length === 0) return held;
    const column = `"${query.column.replace(/"/g, '""')}"`;
    const reader = await connection.runAndReadAll(
      `SELECT ${column}::BIGINT AS v, count(*)::BIGINT AS n FROM read_parquet([${withColumn.map(sqlString).join(', ')}], union_by_name = true, hive_partitioning = false) WHERE ${column} BETWEEN ${Math.floor(query.from)} AND ${Math.floor(query.to)} GROUP BY 1`,
    );
    for (const row of reader.getRowObjects()) held.set(Number(row.v), Number(row.n));
    return held;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
