import type { MetricsDeclaration } from '../../core/metrics.js';
import os from 'node:os';
import type * as arrow from 'apache-arrow';
import { arrowSchema, recordsToArrow, schemaKey } from '../../core/arrow.js';
import type { Batch, RecordsBatch } from '../../core/batch.js';
import type { ComponentContext, SinkInstance } from '../../core/component.js';
import type { TimeUnit } from '../../core/int64-time.js';
import { canJoin, joinRecords } from './coalesce.js';
import { batchToIpcChunk } from './ipc.js';
import { META, recordingMetadata } from './metadata.js';
import { recordingPath, uniquePath } from './naming.js';
import { type ParquetSettings, columnEncodings, type ParquetCompression, type ParquetEncodingName, type ParquetStatistics, statisticsColumns } from './parquet-settings.js';
import { splitByPartition, type PartitionSlice } from './partition.js';
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
  readonly path: string;
  readonly openedAtNs: number;
  bytes: number;
  rows: number;
  /** Slices waiting for the worker, sent as one chunk (see coalesce.ts). */
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
 * Records batches into rotating files through the encoder worker. A write or disk error (disk full,
 * file size limit) fails the file it happened in: it is reported with the file's name, counted as
 * `write_failed` rows, and the next write throws it, so the runner stops or drops per `when_full`.
 * A later write starts a new file; files closed before stay valid.
 */
export class Recorder implements SinkInstance {
  private readonly worker: WorkerClient;
  private readonly files = new Map<string, OpenRecording>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly failures: Error[] = [];
  private readonly failedFiles = new Set<number>();
  /** Paths of files opened and not yet closed, including those the worker is still finishing. */
  private readonly reserved = new Set<string>();
  private nextId = 1;
  private seq = 0;
  /** Rows that may wait to be joined before `write` waits (1: send one slice at a time). */
  private readonly joinRows: number;

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
  }

  async write(batch: Batch): Promise<void> {
    this.throwFailure();
    if (batch.kind !== 'records') throw new Error(`${this.context.id}: expects records, got ${batch.kind}`);
    if (batch.length === 0) return;
    for (const slice of splitByPartition(batch, this.config.partitionBy)) this.append(slice);
    while ((this.pendingRows() >= this.joinRows || this.inFlight.size > MAX_IN_FLIGHT) && this.inFlight.size > 0) await Promise.race(this.inFlight);
    // Let the worker's replies in (acks with file sizes for rotation, failures to report) before
    // the next write, also when this write only joined a waiting slice.
    if (this.pendingRows() > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    this.context.metrics.gauge('durable_rows', this.worker.durableRows);
  }

  async close(): Promise<void> {
    for (const file of this.files.values()) this.send(file);
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    for (const file of [...this.files.values()]) await this.closeFile(file);
    this.context.metrics.gauge('durable_rows', this.worker.durableRows);
    await this.worker.terminate();
    this.throwFailure();
  }

  private append(slice: PartitionSlice): void {
    let file = this.files.get(slice.key);
    if (file && this.failedFiles.has(file.id)) {
      // Slices that waited for the failed file are lost with it; count them like its other rows.
      if (file.pendingRows > 0) this.context.metrics.error('write_failed', file.pendingRows);
      this.files.delete(slice.key);
      file = undefined;
    }
    if (file && (file.schemaKey !== schemaKey(slice.batch.schema) || this.dueForRotation(file))) {
      if (file.schemaKey !== schemaKey(slice.batch.schema)) this.context.metrics.count('schema_changes');
      // The worker finishes the old file (last row group, footer, rename) while this one starts.
      this.track(this.closeFile(file));
      file = undefined;
    }
    file ??= this.openFile(slice);
    const last = file.pending.at(-1);
    if (last && !canJoin(last, slice.batch)) this.send(file);
    file.pending.push(slice.batch);
    file.pendingRows += slice.batch.length;
    if (this.inFlight.size < MAX_IN_FLIGHT) this.send(file);
  }

  private pendingRows(): number {
    let rows = 0;
    for (const file of this.files.values()) rows += file.pendingRows;
    return rows;
  }

  /** Converts the file's waiting slices into one chunk and hands it to the worker. */
  private send(file: OpenRecording): void {
    if (file.pending.length === 0) return;
    const batch = joinRecords(file.pending);
    file.pending = [];
    file.pendingRows = 0;
    const conversion = { timestampUnit: this.config.timestampUnit, deviceTime: this.config.deviceTime, omit: this.config.partitionBy };
    const chunk = batchToIpcChunk(recordsToArrow(batch, this.context.clock, conversion, file.schema));
    const rows = batch.length;
    file.rows += rows;
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
      for (const file of this.files.values()) if (this.inFlight.size < MAX_IN_FLIGHT) this.send(file);
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
    const path = uniquePath(candidate, this.reserved);
    this.reserved.add(path);
    const stored = slice.batch.schema.fields.filter((f) => !config.partitionBy.includes(f.name));
    const metadata = recordingMetadata({ context, source: slice.batch.source, fields: stored, startWallNs, timestampUnit: config.timestampUnit, partition: slice.values });
    const id = this.nextId++;
    let parquet: ParquetSettings | undefined;
    const schemaMetadata = new Map(metadata);
    schemaMetadata.set(META.writerPid, String(process.pid));
    schemaMetadata.set(META.writerHost, os.hostname());
    if (config.parquet) {
      const { compression, rowGroupSize, encodings, statistics } = config.parquet;
      parquet = { compression, rowGroupSize, encodings: columnEncodings(stored, encodings), statistics: statisticsColumns(stored, statistics), createdBy: metadata.get(META.software) ?? '', metadata: [...metadata] };
      schemaMetadata.set(META.parquetSettings, JSON.stringify({ ...parquet, metadata: undefined }));
    }
    const schema = arrowSchema(slice.batch.schema, { timestampUnit: config.timestampUnit, deviceTime: config.deviceTime, omit: config.partitionBy, metadata: schemaMetadata });
    this.worker.open({
      file: id,
      format: config.format,
      partialPath: `${path}.partial`,
      finalPath: path,
      journalPath: config.parquet?.journal ? `${path}.journal` : undefined,
      parquet,
    });
    const file: OpenRecording = { id, key: slice.key, schemaKey: schemaKey(slice.batch.schema), schema, path, openedAtNs: nowNs, bytes: 0, rows: 0, pending: [], pendingRows: 0 };
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
    if (rows > 0) this.context.metrics.error('write_failed', rows);
    if (this.failedFiles.has(file.id)) return;
    this.failedFiles.add(file.id);
    const message = error.message.includes(file.path) ? error.message : `${file.path}: ${error.message}`;
    this.context.log.error({ file: file.path, code: (error as NodeJS.ErrnoException).code }, message);
    this.failures.push(Object.assign(new Error(`${this.context.id}: ${message}`, { cause: error }), { code: (error as NodeJS.ErrnoException).code }));
  }

  private throwFailure(): void {
    for (const [fileId, error] of this.worker.backgroundFailures) {
      this.worker.backgroundFailures.delete(fileId);
      const file = [...this.files.values()].find((f) => f.id === fileId);
      if (file) this.fileFailed(file, error, 0);
    }
    const failure = this.failures.shift();
    if (failure) throw failure;
  }
}

/**
 * What a recording sink counts. `write_failed` here is rows whose file could not be written; the sink
 * driver counts the same reason in batches when a lossy sink's write throws.
 */
export const RECORDING_METRICS: MetricsDeclaration = {
  errors: { write_failed: 'rows' },
  counters: { schema_changes: 'events', files_closed: 'files' },
  gauges: { durable_rows: 'rows' },
};
