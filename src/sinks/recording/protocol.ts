import type { ParquetSettings } from './parquet-settings.js';

/** Messages between a recording sink (main thread) and its encoder worker. */

export interface OpenFile {
  readonly type: 'open';
  readonly file: number;
  readonly format: 'parquet' | 'arrow';
  /** Where bytes go while the file is written. */
  readonly partialPath: string;
  /** The name it gets once complete. */
  readonly finalPath: string;
  /** Arrow IPC journal of a Parquet file (absent: no journal). */
  readonly journalPath?: string;
  readonly parquet?: ParquetSettings;
}

export interface AppendChunk {
  readonly type: 'append';
  readonly request: number;
  readonly file: number;
  /** One self-contained Arrow IPC stream (schema, dictionaries, one batch). */
  readonly chunk: Uint8Array;
  readonly rows: number;
}

export interface CloseFile {
  readonly type: 'close';
  readonly request: number;
  readonly file: number;
}

export interface Configure {
  readonly type: 'configure';
  readonly flushIntervalMs: number;
}

/**
 * Syncs every open file now (as the flush interval does) and replies `sync_done`. Failures are
 * reported first, each as a background `failed` of its file, so the reply comes after them.
 */
export interface SyncNow {
  readonly type: 'sync';
  readonly request: number;
}

export type ToWorker = OpenFile | AppendChunk | CloseFile | Configure | SyncNow;

export interface Acked {
  readonly type: 'ack';
  readonly request: number;
  readonly file: number;
  /** Bytes of the file so far (for Parquet: encoded row groups). */
  readonly bytes: number;
}

export interface Closed {
  readonly type: 'closed';
  readonly request: number;
  readonly file: number;
  readonly bytes: number;
  readonly rows: number;
}

export interface Failed {
  readonly type: 'failed';
  readonly file: number;
  /** The request that failed; absent for failures found in the background (a periodic sync). */
  readonly request?: number;
  readonly message: string;
  readonly code?: string;
}

export interface Synced {
  readonly type: 'synced';
  /** Rows on disk across all files, counted since the worker started. */
  readonly rows: number;
}

export interface SyncDone {
  readonly type: 'sync_done';
  readonly request: number;
  /** Rows on disk across all files after this sync. */
  readonly rows: number;
}

export type FromWorker = Acked | Closed | Failed | Synced | SyncDone;
