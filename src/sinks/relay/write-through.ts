import type net from 'node:net';
import type { ComponentContext } from '../../core/component.js';
import type { DeviceLink, DeviceWriter } from '../../core/capabilities.js';

/**
 * Sends bytes from relay clients to a source's device (`write_through`), with backpressure: once the
 * bytes waiting for the device pass `highWaterBytes`, every client socket that sends is paused (TCP
 * flow control then slows the client) until the device has taken them. A device that reads slowly or
 * not at all therefore costs at most about `highWaterBytes` plus one socket read of memory, however
 * much the clients send. Bytes the device cannot take (not connected) are counted as refused.
 *
 * Metrics: `written_through_bytes`, `write_through_refused_bytes`, `write_through_pauses`, the gauge
 * `write_through_pending_bytes`, and the error `write_through_unavailable` (the source offers no
 * writer: not started yet, or stopped).
 */
export class WriteThrough {
  private readonly paused = new Set<net.Socket>();
  private waitingForDrain = false;
  private warnedNoWriter = false;

  constructor(
    private readonly device: DeviceLink,
    private readonly highWaterBytes: number,
    private readonly context: ComponentContext,
  ) {}

  /** Starts forwarding what `socket` sends. */
  attach(socket: net.Socket): void {
    socket.on('data', (data: Buffer) => this.offer(data, socket));
    socket.on('close', () => this.paused.delete(socket));
  }

  private offer(data: Buffer, socket: net.Socket): void {
    const { metrics } = this.context;
    const writer = this.device.current();
    if (writer === undefined) {
      metrics.error('write_through_unavailable', data.length);
      if (!this.warnedNoWriter) this.context.log.warn(`relay: source "${this.device.sourceId}" is not running; client bytes are counted and discarded`);
      this.warnedNoWriter = true;
      return;
    }
    if (writer.write(data)) metrics.count('written_through_bytes', data.length);
    else metrics.count('write_through_refused_bytes', data.length);
    const pending = writer.pendingBytes();
    metrics.gauge('write_through_pending_bytes', pending);
    if (pending > this.highWaterBytes) this.pause(socket, writer);
  }

  private pause(socket: net.Socket, writer: DeviceWriter): void {
    if (!this.paused.has(socket)) {
      socket.pause();
      this.paused.add(socket);
      this.context.metrics.count('write_through_pauses');
    }
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    writer.onDrain(() => {
      this.waitingForDrain = false;
      this.context.metrics.gauge('write_through_pending_bytes', writer.pendingBytes());
      for (const paused of this.paused) paused.resume();
      this.paused.clear();
    });
  }
}
