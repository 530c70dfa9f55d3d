import os from 'node:os';
import type * as arrow from 'apache-arrow';
import { arrowSchema, recordsToArrow } from '../../core/arrow.js';
import { type Batch, type RecordsBatch, schemaKey } from '../../core/batch.js';
import type { ComponentContext, SinkInstance } from '../../core/component.js';
import type { TimeUnit } from '../../core/int64-time.js';
import { canJoin, joinRecords } from '../../core/records/join.js';
import { batchToIpcChunk } from './ipc.js';
import { META, recordingMetadata } from './metadata.js';
import { fileError } from './ipc-file.js';
import { claimRecordingPath, recordingPath } from './naming.js';
import { type ParquetSettings, columnEncodings, type ParquetCompression, type ParquetEncodingName, type ParquetStatistics, statisticsColumns } from './parquet-settings.js';
import { splitByPartition, type PartitionSlice } from './partition.js';
import { splitDerived } from './derived.js';
import { WorkerClient } from './worker-client.js';

/** What the `parquet` and `arrow` sinks share: naming, rotation, partitions, journaling. */
export interface RecorderConfig {
  readonly format: 'parquet' | 'arrow';
  readonly path: string;
  readonly rotateEveryMs?: number;
  readonly rotateMaxBytes?: number;
  readonly partitionBy: readonly string[];
  readonly timestampUnit: TimeUnit;
  readonly deviceTime: 'int64' | 'timestamp';
  readonly flushIntervalMs: number;
  /** Files open at once (one per partition); past it the least recently written one is closed. */
  readonly maxOpenFiles: number;
  /** Distinct partition values in one run; one more fails the sink. */
  readonly maxPartitions: number;
  /** `metadata`: derived columns the reader can recompute are left out of the file (see derived.ts). */
  readonly derived?: 'store' | 'metadata';
  /** User key-value metadata for every file. */
  readonly metadata?: Readonly<Record<string, string>>;
  readonly parquet?: {
    readonly compression: ParquetCompression;
    readonly rowGroupSize: number;
    readonly encodings: Readonly<Record<string, ParquetEncodingName>>;
    readonly statistics: ParquetStatistics;
    readonly journal: boolean;
  };
}

interface OpenRecording {
  readonly id: number;
  readonly key: string;
  readonly schemaKey: string;
  readonly schema: arrow.Schema;
  /** Columns of the batch not written to this file (partition and derived columns). */
  readonly omit: readonly string[];
  readonly path: string;
  readonly openedAtNs: number;
  bytes: number;
  /** Slices waiting for the worker, sent as one chunk (see core/records/join.ts). */
  pending: RecordsBatch[];
  pendingRows: number;
}

/** Appends in flight to the worker; bounds memory while letting conversion and encoding overlap. */
const MAX_IN_FLIGHT = 4;
/**
 * Parquet: while MAX_IN_FLIGHT appends are in flight, new slices of a file wait and are joined, up to
 * this many rows, then `write` waits. So the encoder gets bigger batches exactly when it is the
 * bottleneck, and nothing waits when it keeps up. Rows waiting here are like rows in the runner's
 * queue in front of the sink (not yet journaled): the runner would hold them otherwise.
 */
const JOIN_ROWS = 65_536;
/**
 * Parquet: a file's slices are handed to the worker once this many rows wait, or when the oldest
 * has waited HOLD_MS (at most half the flush interval), whichever comes first. A real-time source
 * gives small batches (a 100 kHz node: about 1,000 rows per 10 ms read); each one sent alone costs
 * an IPC encoding, a message each way and a push into the encoder, which at real time was a large
 * share of the recording's CPU. Held rows are like rows in the runner's queue: `sync` and `close`
 * send them at once, so a durable source's acknowledgements still wait for the journal.
 */
const SEND_ROWS = 16_384;
const HOLD_MS = 200;

/**
 * Records batches into rotating files through the encoder worker. A write or disk error (disk full,
 * file size limit) fails the file it happened in: it is reported with the file's name, its rows are
 * counted in the error `write_failed_rows` (a count of rows, not batches), and the next write throws
 * it, so the runner stops or drops per `when_full`. A later write starts a new file; files closed
 * before stay valid.
 *
 * Partitions: at most `maxOpenFiles` files are open; opening one more closes the least recently
 * written (counted as `files_evicted`), and a later row of that partition starts a new file. Each
 * open Parquet file holds up to a row group in the encoder, so this bounds memory and descriptors.
 * More than `maxPartitions` distinct values fail the sink at once, after closing its open files, so
 * a column with a value per row (a sequence number, a bit flip in an id) cannot run away.
 */
export class Recorder implements SinkInstance {
  private readonly worker: WorkerClient;
  private readonly files = new Map<string, OpenRecording>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly failures: Error[] = [];
  private readonly failedFiles = new Set<number>();
  /** Partition keys seen in this run, to enforce maxPartitions. */
  private readonly partitions = new Set<string>();
  /** Set when the partition limit was passed: every later write throws it. */
  private fatal: Error | undefined;
  /** Paths of files opened and not yet closed, including those the worker is still finishing. */
  private readonly reserved = new Set<string>();
  private nextId = 1;
  private seq = 0;
  /** Rows that may wait to be joined before `write` waits (1: send one slice at a time). */
  private readonly joinRows: number;
  /** Rows a file collects before they are sent (1: send each slice as it comes). */
  private readonly sendRows: number;
  private readonly holdMs: number;
  /** Sends what waits once the oldest waiting slice has waited holdMs. */
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: RecorderConfig,
    private readonly context: ComponentContext,
  ) {
    // Refuse a template that escapes the data directory now, not at the first write.
    const probe = new Map(config.partitionBy.map((name) => [name, 'x']));
    recordingPath(context.dataDir, config.path, { name: context.pipeline.name, startMs: Date.now(), seq: 1, partition: probe });
    this.worker = new WorkerClient(config.flushIntervalMs);
    // The Arrow sink has no encoder to relieve, and rotation by size needs the sizes the worker
    // reports after each chunk: there slices go one by one.
    this.joinRows = config.format === 'parquet' && config.rotateMaxBytes === undefined ? JOIN_ROWS : 1;
    this.sendRows = this.joinRows === 1 ? 1 : SEND_ROWS;
    this.holdMs = Math.max(1, Math.min(HOLD_MS, config.flushIntervalMs / 2));
  }

  async write(batch: Batch): Promise<void> {
    if (this.fatal) throw this.fatal;
    this.throwFailure();
    if (batch.kind !== 'records') throw new Error(`${this.context.id}: expects records, got ${batch.kind}`);
    if (batch.length === 0) return;
    const slices = splitByPartition(batch, this.config.partitionBy);
    const tooMany = this.checkPartitionLimit(slices);
    if (tooMany) return this.failAll(tooMany, batch.length);
    for (const slice of slices) this.append(slice);
    while ((this.pendingRows() >= this.joinRows || this.inFlight.size > MAX_IN_FLIGHT) && this.inFlight.size > 0) await Promise.race(this.inFlight);
    // Let the worker's replies in (acks with file sizes for rotation, failures to report) before
    // the next write, also when this write only joined a waiting slice.
    if (this.inFlight.size > 0 && this.pendingRows() > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    this.context.metrics.gauge('durable_rows', this.worker.durableRows);
  }

  /**
   * Makes every row written so far durable: hands the worker the slices that wait to be joined,
   * waits for every append (each answered once journaled), then has the worker sync the journals
   * (Arrow files are their own journal). A Parquet file without a journal is durable only once
   * closed, so then the open files are closed (a later row starts new ones). Throws a file failure.
   */
  async sync(): Promise<void> {
    if (this.fatal) throw this.fatal;
    if (this.config.format === 'parquet' && this.config.parquet?.journal === false) {
      await this.closeAll();
    } else {
      for (const file of this.files.values()) this.send(file);
      while (this.inFlight.size > 0) await Promise.all(this.inFlight);
      await this.worker.syncNow();
    }
    this.context.metrics.gauge('durable_rows', this.worker.durableRows);
    this.throwFailure();
  }

  async close(): Promise<void> {
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    await this.closeAll();
    await this.worker.terminate();
    if (this.fatal) return;
    this.throwFailure();
  }

  private async closeAll(): Promise<void> {
    for (const file of this.files.values()) this.send(file);
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    for (const file of [...this.files.values()]) await this.closeFile(file);
    this.context.metrics.gauge('durable_rows', this.worker.durableRows);
  }

  /** The error for a batch that would pass maxPartitions, if it would; remembers the new keys otherwise. */
  private checkPartitionLimit(slices: readonly PartitionSlice[]): Error | undefined {
    if (this.config.partitionBy.length === 0) return undefined;
    const fresh = slices.filter((s) => !this.partitions.has(s.key));
    if (this.partitions.size + fresh.length > this.config.maxPartitions) {
      const columns = this.config.partitionBy.join(', ');
      return new Error(
        `${this.context.id}: partition_by [${columns}] has more than ${this.config.maxPartitions} distinct values (max_partitions); ` +
          'partition by a column with few values (a node id, a channel) or raise max_partitions',
      );
    }
    for (const slice of fresh) this.partitions.add(slice.key);
    return undefined;
  }

  /** Refuses the batch (its rows counted as `partition_limit_rows`), closes every open file valid, then throws. */
  private async failAll(error: Error, rows: number): Promise<never> {
    this.fatal = error;
    clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    this.context.metrics.error('partition_limit_rows', rows);
    this.context.log.error(error.message);
    await this.closeAll();
    await this.worker.terminate();
    throw error;
  }

  private append(slice: PartitionSlice): void {
    let file = this.files.get(slice.key);
    if (file && this.failedFiles.has(file.id)) {
      // Slices that waited for the failed file are lost with it; count them like its other rows.
      if (file.pendingRows > 0) this.context.metrics.error('write_failed_rows', file.pendingRows);
      this.files.delete(slice.key);
      file = undefined;
    }
    if (file && (file.schemaKey !== schemaKey(slice.batch.schema) || this.dueForRotation(file))) {
      if (file.schemaKey !== schemaKey(slice.batch.schema)) this.context.metrics.count('schema_changes');
      // The worker finishes the old file (last row group, footer, rename) while this one starts.
      this.track(this.closeFile(file));
      file = undefined;
    }
    if (file) {
      // Most recently written last: the first entry is the one to close when too many are open.
      this.files.delete(slice.key);
      this.files.set(slice.key, file);
    }
    let opened = false;
    if (!file) {
      this.evictLeastRecentlyWritten();
      file = this.openFile(slice);
      if (this.failedFiles.has(file.id)) {
        this.context.metrics.error('write_failed_rows', slice.batch.length);
        return;
      }
      opened = true;
    }
    const last = file.pending.at(-1);
    if (last && !canJoin(last, slice.batch)) this.send(file);
    file.pending.push(slice.batch);
    file.pendingRows += slice.batch.length;
    // A new file's first rows go at once, so its journal holds the schema (and who writes it) from the
    // start: a kill -9 then leaves a journal its owner can recognise, not an empty claim.
    if (opened || (this.inFlight.size < MAX_IN_FLIGHT && file.pendingRows >= this.sendRows)) this.send(file);
    else this.holdPending();
  }

  /** Arms the timer that sends waiting slices after holdMs (one timer for every file). */
  private holdPending(): void {
    if (this.holdTimer) return;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      for (const file of [...this.files.values()]) this.send(file);
    }, this.holdMs);
    this.holdTimer.unref();
  }

  /** Closes the least recently written file when opening one more would pass maxOpenFiles. */
  private evictLeastRecentlyWritten(): void {
    if (this.files.size < this.config.maxOpenFiles) return;
    const [oldest] = this.files.values();
    this.context.metrics.count('files_evicted');
    this.track(this.closeFile(oldest));
  }

  private pendingRows(): number {
    let rows = 0;
    for (const file of this.files.values()) rows += file.pendingRows;
    return rows;
  }

  /** Converts the file's waiting slices into one chunk and hands it to the worker. */
  private send(file: OpenRecording): void {
    if (file.pending.length === 0) return;
    const batch = joinRecords(file.pending, file.omit);
    file.pending = [];
    file.pendingRows = 0;
    const conversion = { timestampUnit: this.config.timestampUnit, deviceTime: this.config.deviceTime, omit: file.omit };
    const chunk = batchToIpcChunk(recordsToArrow(batch, this.context.clock, conversion, file.schema));
    const rows = batch.length;
    this.track(
      this.worker.append(file.id, chunk, rows).then(
        (ack) => void (file.bytes = ack.bytes),
        (error: Error) => this.fileFailed(file, error, rows),
      ),
    );
  }

  /** Keeps a worker request in the in-flight set until it settles (it never rejects); then sends what waits. */
  private track(request: Promise<void>): void {
    this.inFlight.add(request);
    void request.finally(() => {
      this.inFlight.delete(request);
      for (const file of this.files.values()) if (this.inFlight.size < MAX_IN_FLIGHT && file.pendingRows >= this.sendRows) this.send(file);
    });
  }

  private dueForRotation(file: OpenRecording): boolean {
    const { rotateEveryMs, rotateMaxBytes } = this.config;
    if (rotateEveryMs && this.context.clock.nowNs() - file.openedAtNs >= rotateEveryMs * 1e6) return true;
    return rotateMaxBytes !== undefined && file.bytes >= rotateMaxBytes;
  }

  private openFile(slice: PartitionSlice): OpenRecording {
    const { config, context } = this;
    const nowNs = context.clock.nowNs();
    const startWallNs = context.clock.toWallNs(nowNs);
    this.seq++;
    const candidate = recordingPath(context.dataDir, config.path, { name: context.pipeline.name, startMs: Number(startWallNs / 1_000_000n), seq: this.seq, partition: slice.values });
    const id = this.nextId++;
    let path: string;
    try {
      path = claimRecordingPath(candidate, this.reserved);
    } catch (error) {
      // Like any write error: the file fails (reported by the next write), a later write tries a new one.
      const failed: OpenRecording = { id, key: slice.key, schemaKey: schemaKey(slice.batch.schema), schema: arrowSchema(slice.batch.schema), omit: [], path: candidate, openedAtNs: nowNs, bytes: 0, pending: [], pendingRows: 0 };
      this.files.set(slice.key, failed);
      this.fileFailed(failed, fileError('create', `${candidate}.partial`, error), 0);
      return failed;
    }
    this.reserved.add(path);
    const kept = slice.batch.schema.fields.filter((f) => !config.partitionBy.includes(f.name));
    const { stored, derived } = config.derived === 'metadata' ? splitDerived(kept, config.partitionBy) : { stored: kept, derived: [] };
    const omit = [...config.partitionBy, ...derived.map((d) => d.name)];
    const storage = { timestampUnit: config.timestampUnit, deviceTime: config.deviceTime };
    const metadata = recordingMetadata({ context, source: slice.batch.source, fields: stored, startWallNs, storage, partition: slice.values, derived, user: config.metadata });
    let parquet: ParquetSettings | undefined;
    const schemaMetadata = new Map(metadata);
    schemaMetadata.set(META.writerPid, String(process.pid));
    schemaMetadata.set(META.writerHost, os.hostname());
    if (config.parquet) {
      const { compression, rowGroupSize, encodings, statistics } = config.parquet;
      parquet = { compression, rowGroupSize, encodings: columnEncodings(stored, encodings), statistics: statisticsColumns(stored, statistics), createdBy: metadata.get(META.software) ?? '', metadata: [...metadata] };
      schemaMetadata.set(META.parquetSettings, JSON.stringify({ ...parquet, metadata: undefined }));
    }
    const schema = arrowSchema(slice.batch.schema, { timestampUnit: config.timestampUnit, deviceTime: config.deviceTime, omit, metadata: schemaMetadata });
    this.worker.open({
      file: id,
      format: config.format,
      partialPath: `${path}.partial`,
      finalPath: path,
      journalPath: config.parquet?.journal ? `${path}.journal` : undefined,
      parquet,
    });
    const file: OpenRecording = { id, key: slice.key, schemaKey: schemaKey(slice.batch.schema), schema, omit, path, openedAtNs: nowNs, bytes: 0, pending: [], pendingRows: 0 };
    this.files.set(slice.key, file);
    context.log.info({ file: path }, 'recording opened');
    return file;
  }

  private async closeFile(file: OpenRecording): Promise<void> {
    this.send(file);
    if (this.files.get(file.key) === file) this.files.delete(file.key);
    if (this.failedFiles.has(file.id)) return;
    try {
      // Once closed the file is on disk under its final name, which uniquePath sees.
      const closed = await this.worker.close(file.id).finally(() => this.reserved.delete(file.path));
      this.context.metrics.count('files_closed');
      this.context.log.info({ file: file.path, rows: closed.rows, bytes: closed.bytes }, 'recording closed');
    } catch (error) {
      this.fileFailed(file, error as Error, 0);
    }
  }

  private fileFailed(file: OpenRecording, error: Error, rows: number): void {
    if (rows > 0) this.context.metrics.error('write_failed_rows', rows);
    if (this.failedFiles.has(file.id)) return;
    this.failedFiles.add(file.id);
    const message = error.message.includes(file.path) ? error.message : `${file.path}: ${error.message}`;
    this.context.log.error({ file: file.path, code: (error as NodeJS.ErrnoException).code }, message);
    this.failures.push(Object.assign(new Error(`${this.context.id}: ${message}`, { cause: error }), { code: (error as NodeJS.ErrnoException).code }));
  }

  private throwFailure(): void {
    for (const [fileId, error] of this.worker.takeBackgroundFailures()) {
      const file = [...this.files.values()].find((f) => f.id === fileId);
      if (file) this.fileFailed(file, error, 0);
    }
    const failure = this.failures.shift();
    if (failure) throw failure;
  }
}

export { RECORDING_METRICS } from './metrics.js';
