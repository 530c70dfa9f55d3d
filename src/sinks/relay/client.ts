import type net from 'node:net';

/** What a relay client that falls behind loses (see the relay's `client_policy`). */
export type ClientPolicy = 'drop_newest' | 'drop_oldest' | 'disconnect';

/** What a relay client reports back to the sink's metrics. */
export interface ClientEvents {
  dropped(bytes: number, first: boolean): void;
}

/**
 * One relay client with its own bounded queue, so a slow reader loses data (by its own policy) and
 * never slows the device or the other clients. Data goes to the socket while the socket's buffer is
 * below its high-water mark; after that it waits in `queue` up to `limit` bytes.
 */
export class RelayClient {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  droppedBytes = 0;

  constructor(
    readonly socket: net.Socket,
    readonly peer: string,
    private readonly limit: number,
    private readonly policy: ClientPolicy,
    private readonly events: ClientEvents,
  ) {
    socket.on('drain', () => this.pump());
  }

  send(data: Buffer): void {
    if (this.socket.destroyed) return;
    if (this.queue.length === 0 && !this.socket.writableNeedDrain) {
      this.socket.write(data);
      return;
    }
    if (this.queued + data.length > this.limit) {
      if (this.policy === 'disconnect') {
        this.drop(this.queued + data.length);
        this.queue.length = 0;
        this.queued = 0;
        this.socket.destroy(new Error(`client fell more than ${this.limit} bytes behind`));
        return;
      }
      if (this.policy === 'drop_newest') {
        this.drop(data.length);
        return;
      }
      while (this.queue.length > 0 && this.queued + data.length > this.limit) {
        const oldest = this.queue.shift()!;
        this.queued -= oldest.length;
        this.drop(oldest.length);
      }
      if (data.length > this.limit) {
        this.drop(data.length);
        return;
      }
    }
    this.queue.push(data);
    this.queued += data.length;
  }

  private drop(bytes: number): void {
    this.events.dropped(bytes, this.droppedBytes === 0);
    this.droppedBytes += bytes;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.queued -= next.length;
      if (!this.socket.write(next)) return;
    }
  }
}
