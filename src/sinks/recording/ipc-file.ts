import fs from 'node:fs';
import path from 'node:path';
import { fileError } from '../../core/file-error.js';
import { END_OF_STREAM, chunkBody } from './ipc.js';

export { fileError };

/**
 * One Arrow IPC stream on disk, written with plain appends: the `arrow` sink's file and the Parquet
 * sink's journal. `sync()` makes everything appended so far durable; a hard kill leaves a stream cut
 * after some message, which `scanIpcStream` reads up to the last complete batch.
 */
export class IpcStreamFile {
  private fd: number;
  private started = false;
  private dirty = false;
  bytes = 0;
  rows = 0;
  /** Rows known to be on disk (after the last sync). */
  syncedRows = 0;

  /** `flags` 'wx' creates the file (it must not exist); 'r+' writes into an empty file created to claim its name. */
  constructor(
    readonly path: string,
    flags: 'wx' | 'r+' = 'wx',
  ) {
    this.fd = fs.openSync(path, flags);
  }

  /** Appends one self-contained chunk (see batchToIpcChunk); throws with the file named on a write error. */
  append(chunk: Uint8Array, rows: number): void {
    const body = chunkBody(chunk, !this.started);
    writeFully(this.fd, body, this.path);
    this.bytes += body.byteLength;
    this.started = true;
    this.rows += rows;
    this.dirty = true;
  }

  /** fdatasync when something was appended since the last sync. */
  sync(): boolean {
    if (!this.dirty || this.fd < 0) return false;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (error) {
      throw fileError('sync', this.path, error);
    }
    this.dirty = false;
    this.syncedRows = this.rows;
    return true;
  }

  /** Writes the end marker, syncs and closes. */
  finish(): void {
    writeFully(this.fd, END_OF_STREAM, this.path);
    this.bytes += END_OF_STREAM.byteLength;
    this.dirty = true;
    this.sync();
    this.close();
  }

  /** Closes the descriptor without finishing (after a failure; the stream stays recoverable). */
  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Writes all of `data` at the current position, or throws an error naming the file. */
export function writeFully(fd: number, data: Uint8Array, file: string): void {
  let offset = 0;
  try {
    while (offset < data.byteLength) offset += fs.writeSync(fd, data, offset, data.byteLength - offset);
  } catch (error) {
    throw fileError('write', file, error);
  }
}


/** Renames a finished `.partial` to its final name and syncs the directory so the rename survives a crash. */
export function publish(partialPath: string, finalPath: string): void {
  try {
    fs.renameSync(partialPath, finalPath);
    const dir = fs.openSync(path.dirname(finalPath), 'r');
    try {
      fs.fsyncSync(dir);
    } finally {
      fs.closeSync(dir);
    }
  } catch (error) {
    throw fileError('rename', partialPath, error);
  }
}
