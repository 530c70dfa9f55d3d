import { fileError } from '../../core/file-error.js';

/**
 * Standard output as the stdout sinks share it. A reader that goes away (`| head -1`, `| less` quit
 * early, a closed SSH session) makes writes fail with EPIPE: from then on output is discarded, and
 * the sinks say so once and go on, so the other sinks of the run (recordings) are not affected. Any
 * other write error (ENOSPC: stdout redirected to a full disk) is a failure the sinks report.
 */
export class StandardOutput {
  private readerGone = false;
  private failure: Error | undefined;
  private readonly closedListeners: (() => void)[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.markReaderGone();
      else this.failure ??= fileError('write', 'standard output', error);
      this.wakeWaiters();
    });
    stream.on('close', () => this.wakeWaiters());
  }

  /** True once the reader has gone away: output is discarded from then on. */
  get closed(): boolean {
    return this.readerGone;
  }

  /** The write error other than EPIPE, if one happened. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Calls `listener` once when the reader goes away (at once if it has). */
  onReaderGone(listener: () => void): void {
    if (this.readerGone) listener();
    else this.closedListeners.push(listener);
  }

  /**
   * Writes `text`, waiting for a full pipe to drain. Returns false when the text was discarded
   * because the reader is gone; throws the write error otherwise.
   */
  async write(text: string): Promise<boolean> {
    if (this.failure) throw this.failure;
    if (this.readerGone) return false;
    if (text && !this.stream.write(text)) await this.drained();
    if (this.failure) throw this.failure;
    return !this.readerGone;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.waiters.delete(done);
        resolve();
      };
      this.stream.on('drain', done);
      this.waiters.add(done);
    });
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private markReaderGone(): void {
    if (this.readerGone) return;
    this.readerGone = true;
    for (const listener of this.closedListeners.splice(0)) listener();
  }
}

let shared: StandardOutput | undefined;

/** The process's standard output, watched from the first call on. */
export function standardOutput(): StandardOutput {
  shared ??= new StandardOutput(process.stdout);
  return shared;
}
