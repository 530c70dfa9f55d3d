import { Worker } from 'node:worker_threads';
import type { Acked, Closed, FromWorker, OpenFile, SyncDone, ToWorker } from './protocol.js';

/**
 * The main-thread side of the encoder worker: posts chunks without copying them (their buffers are
 * transferred), matches replies to requests, and reports background failures and durable row counts.
 */
export class WorkerClient {
  private readonly worker: Worker;
  private nextRequest = 1;
  private readonly pending = new Map<number, { resolve: (reply: Acked | Closed | SyncDone) => void; reject: (error: Error) => void }>();
  private exitError: Error | undefined;
  /** Failures not tied to a request (found during a periodic sync), by file. */
  private readonly backgroundFailures = new Map<number, Error>();
  /** Rows that would survive a hard kill (journaled and synced, or in closed files). */
  durableRows = 0;

  constructor(flushIntervalMs: number) {
    this.worker = spawnWorker();
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error) => this.fail(new Error(`recording worker failed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => this.fail(new Error(`recording worker exited (code ${code})`)));
    this.post({ type: 'configure', flushIntervalMs });
  }

  /** Hands over the failures found in the background since the last call, by file. */
  takeBackgroundFailures(): [number, Error][] {
    const failures = [...this.backgroundFailures];
    this.backgroundFailures.clear();
    return failures;
  }

  open(spec: Omit<OpenFile, 'type'>): void {
    this.post({ type: 'open', ...spec });
  }

  append(file: number, chunk: Uint8Array, rows: number): Promise<Acked> {
    const request = this.nextRequest++;
    const reply = this.expect(request) as Promise<Acked>;
    // Transfer the chunk's buffer when it owns it alone; otherwise the structured clone copies.
    const transfer = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? [chunk.buffer as ArrayBuffer] : [];
    this.post({ type: 'append', request, file, chunk, rows }, transfer);
    return reply;
  }

  close(file: number): Promise<Closed> {
    const request = this.nextRequest++;
    const reply = this.expect(request) as Promise<Closed>;
    this.post({ type: 'close', request, file });
    return reply;
  }

  /**
   * Syncs every open file now; resolves when the worker has. Failures of files are reported as
   * background failures (takeBackgroundFailures), which arrive before this resolves.
   */
  async syncNow(): Promise<void> {
    const request = this.nextRequest++;
    const reply = this.expect(request) as Promise<SyncDone>;
    this.post({ type: 'sync', request });
    this.durableRows = (await reply).rows;
  }

  async terminate(): Promise<void> {
    this.exitError ??= new Error('recording worker terminated');
    await this.worker.terminate();
  }

  private expect(request: number): Promise<Acked | Closed | SyncDone> {
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise((resolve, reject) => this.pending.set(request, { resolve, reject }));
  }

  private post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  private receive(message: FromWorker): void {
    if (message.type === 'synced') {
      this.durableRows = message.rows;
      return;
    }
    const error = message.type === 'failed' ? Object.assign(new Error(message.message), { code: message.code }) : undefined;
    if (message.type === 'failed' && message.request === undefined) {
      this.backgroundFailures.set(message.file, error!);
      return;
    }
    if (message.request === undefined) return;
    const waiter = this.pending.get(message.request);
    this.pending.delete(message.request);
    if (!waiter) return;
    if (error) waiter.reject(error);
    else waiter.resolve(message as Acked | Closed | SyncDone);
  }

  private fail(error: Error): void {
    if (this.exitError) return;
    this.exitError = error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

/**
 * Starts the worker from the file next to this one: `worker.js` in the compiled package, `worker.ts`
 * when running from sources (tests, `node --import tsx`), where the worker needs tsx loaded too.
 */
function spawnWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  // From sources: register tsx inside the worker thread, then load the TypeScript entry.
  const entry = JSON.stringify(new URL('./worker.ts', import.meta.url).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const bootstrap = `import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); })`;
  return new Worker(bootstrap, { eval: true });
}
