import fs from 'node:fs';
import { IpcStreamFile, publish } from './ipc-file.js';
import { ParquetStream } from './parquet-stream.js';
import type { OpenFile } from './protocol.js';

/**
 * A file being written by the encoder worker. Parquet files are `.partial` until their footer is
 * written, with every chunk also appended to an Arrow IPC journal that is synced periodically (what
 * `pipeline recover` reads after a hard kill). Arrow files are their own journal: an IPC stream
 * stays readable up to its last complete batch. The `.partial` exists already: the sink created it
 * empty to claim the name (claimRecordingPath).
 */
export interface Part {
  readonly rows: number;
  /** Bytes on disk so far. */
  readonly bytes: number;
  /** Rows that would survive a hard kill now. */
  readonly durableRows: number;
  /** Resolves when the chunk is written or taken by the encoder. */
  append(chunk: Uint8Array, rows: number): Promise<void> | void;
  /** Makes appended data durable (fdatasync). */
  sync(): void;
  /** Completes the file and gives it its final name. */
  close(): Promise<void>;
  /** Releases descriptors after a failure, leaving what is on disk for recovery. */
  abandon(): Promise<void>;
}

export function openPart(spec: OpenFile): Part {
  return spec.format === 'parquet' ? new ParquetPart(spec) : new ArrowPart(spec);
}

class ParquetPart implements Part {
  private readonly journal: IpcStreamFile | undefined;
  private readonly stream: ParquetStream;
  private closed = false;

  constructor(private readonly spec: OpenFile) {
    if (!spec.parquet) throw new Error(`${spec.finalPath}: parquet settings missing`);
    this.journal = spec.journalPath ? new IpcStreamFile(spec.journalPath) : undefined;
    try {
      this.stream = new ParquetStream(spec.partialPath, spec.parquet, 'r+');
    } catch (error) {
      this.journal?.close();
      throw error;
    }
  }

  get rows(): number {
    return this.stream.rows;
  }

  get bytes(): number {
    return this.stream.bytes;
  }

  get durableRows(): number {
    return this.closed ? this.stream.rows : (this.journal?.syncedRows ?? 0);
  }

  append(chunk: Uint8Array, rows: number): Promise<void> {
    if (this.stream.error) throw this.stream.error;
    this.journal?.append(chunk, rows);
    return this.stream.append(chunk, rows);
  }

  sync(): void {
    if (this.stream.error) throw this.stream.error;
    this.journal?.sync();
  }

  async close(): Promise<void> {
    await this.stream.finish();
    publish(this.spec.partialPath, this.spec.finalPath);
    this.closed = true;
    if (this.journal) {
      this.journal.close();
      fs.rmSync(this.journal.path, { force: true });
    }
  }

  async abandon(): Promise<void> {
    this.journal?.close();
    await this.stream.abort();
  }
}

class ArrowPart implements Part {
  private readonly file: IpcStreamFile;

  constructor(private readonly spec: OpenFile) {
    this.file = new IpcStreamFile(spec.partialPath, 'r+');
  }

  get rows(): number {
    return this.file.rows;
  }

  get bytes(): number {
    return this.file.bytes;
  }

  get durableRows(): number {
    return this.file.syncedRows;
  }

  append(chunk: Uint8Array, rows: number): void {
    this.file.append(chunk, rows);
  }

  sync(): void {
    this.file.sync();
  }

  async close(): Promise<void> {
    this.file.finish();
    publish(this.spec.partialPath, this.spec.finalPath);
  }

  async abandon(): Promise<void> {
    this.file.close();
  }
}
