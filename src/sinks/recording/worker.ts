import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { type Part, openPart } from './parts.js';
import type { FromWorker, ToWorker } from './protocol.js';

/**
 * The encoder thread of a recording sink. It owns the files: appends chunks to journals and Arrow
 * files, runs the Parquet encoder, syncs every flush interval, and renames finished files. Running
 * here keeps a recording at full rate from stalling the sources on the main thread.
 */
if (!parentPort) throw new Error('recording worker: must run as a worker thread');
const port = parentPort;

const parts = new Map<number, Part>();
const openErrors = new Map<number, Error>();
let durableOfClosed = 0;
let lastReportedDurable = 0;
let timer: NodeJS.Timeout | undefined;

function post(message: FromWorker): void {
  port.postMessage(message);
}

function failed(file: number, request: number | undefined, error: unknown): void {
  const { message, code } = error as NodeJS.ErrnoException;
  post({ type: 'failed', file, request, message, code });
  const part = parts.get(file);
  if (part) {
    parts.delete(file);
    durableOfClosed += part.durableRows;
    void part.abandon().catch(() => undefined);
  }
}

function syncAll(): void {
  for (const [file, part] of parts) {
    try {
      part.sync();
    } catch (error) {
      failed(file, undefined, error);
    }
  }
  reportDurable();
}

/** Tells the sink how many rows would survive a hard kill now, when that changed. */
function reportDurable(): void {
  let durable = durableOfClosed;
  for (const part of parts.values()) durable += part.durableRows;
  if (durable !== lastReportedDurable) {
    lastReportedDurable = durable;
    post({ type: 'synced', rows: durable });
  }
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'configure':
      if (timer) clearInterval(timer);
      timer = setInterval(syncAll, message.flushIntervalMs);
      return;
    case 'sync': {
      // Appends are answered once journaled, and the sink asks after every append it waits for was
      // answered: this sync covers them all.
      syncAll();
      let rows = durableOfClosed;
      for (const part of parts.values()) rows += part.durableRows;
      post({ type: 'sync_done', request: message.request, rows });
      return;
    }
    case 'open':
      try {
        fs.mkdirSync(path.dirname(message.partialPath), { recursive: true });
        parts.set(message.file, openPart(message));
      } catch (error) {
        openErrors.set(message.file, error as Error);
      }
      return;
    case 'append': {
      const part = parts.get(message.file);
      if (!part) return failed(message.file, message.request, openErrors.get(message.file) ?? new Error(`file ${message.file} is not open`));
      try {
        await part.append(message.chunk, message.rows);
        post({ type: 'ack', request: message.request, file: message.file, bytes: part.bytes });
      } catch (error) {
        failed(message.file, message.request, error);
      }
      return;
    }
    case 'close': {
      const part = parts.get(message.file);
      if (!part) return failed(message.file, message.request, openErrors.get(message.file) ?? new Error(`file ${message.file} is not open`));
      try {
        await part.close();
        parts.delete(message.file);
        durableOfClosed += part.rows;
        // Before the reply, so the sink sees the new count when its close resolves. No sync of the
        // other files here: with many partitions closing one by one that would be a sync per close.
        reportDurable();
        post({ type: 'closed', request: message.request, file: message.file, bytes: part.bytes, rows: part.rows });
      } catch (error) {
        failed(message.file, message.request, error);
      }
      return;
    }
  }
}

port.on('message', (message: ToWorker) => void handle(message));
port.on('close', () => timer && clearInterval(timer));
