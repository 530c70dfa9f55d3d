import fs from 'node:fs';
import * as pw from 'parquet-wasm';
import { fileError, writeFully } from './ipc-file.js';
import { writerProperties } from './parquet-properties.js';
import type { ParquetSettings } from './parquet-settings.js';

/**
 * A Parquet file written as batches arrive: parquet-wasm's streaming writer pulls record batches from
 * a queue we fill and hands back encoded bytes one row group at a time, which go straight to disk.
 * Memory stays at about one row group; the footer is written when the input ends.
 */
export class ParquetStream {
  private readonly fd: number;
  /** Set once the descriptor is closed, so no path closes it twice (the number may belong to another file by then). */
  private fdClosed = false;
  private readonly queue: pw.RecordBatch[] = [];
  private wake: (() => void) | undefined;
  private readonly drainWaiters: (() => void)[] = [];
  private ended = false;
  private failure: Error | undefined;
  private readonly done: Promise<void>;
  bytes = 0;
  rows = 0;

  /**
   * `flags` 'wx' creates the file (it must not exist); 'r+' writes into an empty file already
   * created to claim its name (see claimRecordingPath); 'w' replaces what is there.
   */
  constructor(
    readonly path: string,
    settings: ParquetSettings,
    flags: 'wx' | 'r+' | 'w' = 'wx',
  ) {
    this.fd = fs.openSync(path, flags);
    const input = new ReadableStream<pw.RecordBatch>({ pull: (controller) => this.pull(controller) }, { highWaterMark: 0 });
    this.done = this.drain(input, settings).catch((error: unknown) => {
      this.failure ??= error instanceof Error && error.message.includes(path) ? error : fileError('encode', path, error);
      this.notifyDrained();
    });
  }

  /**
   * Queues one self-contained IPC chunk for encoding; resolves once the encoder has taken all but
   * `backlog` queued batches, so a fast producer cannot pile up memory. Throws if the file failed.
   */
  async append(chunk: Uint8Array, rows: number, backlog = 1): Promise<void> {
    if (this.failure) throw this.failure;
    const table = pw.Table.fromIPCStream(chunk);
    try {
      for (const batch of table.recordBatches()) this.queue.push(batch);
    } finally {
      table.free();
    }
    this.rows += rows;
    this.wake?.();
    while (this.queue.length > backlog && !this.failure) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    if (this.failure) throw this.failure;
  }

  private notifyDrained(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** The error that stopped this file, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Encodes what is queued, writes the footer, syncs and closes. */
  async finish(): Promise<void> {
    this.ended = true;
    this.wake?.();
    await this.done;
    if (!this.failure) {
      try {
        fs.fsyncSync(this.fd);
      } catch (error) {
        this.failure = fileError('sync', this.path, error);
      }
    }
    this.closeFd();
    if (this.failure) throw this.failure;
  }

  /** Stops after a failure elsewhere; the partial file is left as it is. */
  async abort(): Promise<void> {
    this.failure ??= new Error(`${this.path}: aborted`);
    this.ended = true;
    this.queue.length = 0;
    this.wake?.();
    await this.done;
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fdClosed) return;
    this.fdClosed = true;
    fs.closeSync(this.fd);
  }

  private async pull(controller: ReadableStreamDefaultController<pw.RecordBatch>): Promise<void> {
    while (this.queue.length === 0 && !this.ended && !this.failure) {
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    const next = this.failure ? undefined : this.queue.shift();
    this.notifyDrained();
    if (next) controller.enqueue(next);
    else controller.close();
  }

  private async drain(input: ReadableStream<pw.RecordBatch>, settings: ParquetSettings): Promise<void> {
    const output: ReadableStream<Uint8Array> = await pw.transformParquetStream(input, writerProperties(settings));
    const reader = output.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      try {
        writeFully(this.fd, value, this.path);
      } catch (error) {
        this.failure = error as Error;
        this.queue.length = 0;
        this.notifyDrained();
        await reader.cancel().catch(() => undefined);
        return;
      }
      this.bytes += value.byteLength;
    }
  }
}
