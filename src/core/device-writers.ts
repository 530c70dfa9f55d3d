import type { DeviceWriter } from './capabilities.js';
import { required } from './capabilities.js';
import type { ComponentContext } from './component.js';
import type { MetricsDeclaration } from './metrics.js';

export type { DeviceWriter };

/** The open port or socket of a connection: a Node writable stream. */
export interface SessionTarget {
  write(data: Buffer): unknown;
  readonly writableLength: number;
  /** True after a write passed the stream's own high-water mark: only then does it emit 'drain'. */
  readonly writableNeedDrain: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

/**
 * Offers, for the calling source (whose definition declares `capabilities: { writable: true }`), a
 * writer that sends to whatever `current()` returns (the open port or socket of the present
 * connection) and counts bytes offered while there is none as `write_while_disconnected`. Withdrawn
 * when the pipeline stops.
 */
export function offerSessionWriter(context: ComponentContext, current: () => SessionTarget | undefined): void {
  const offer = required(context.offerWriter, context.id, '`writable: true`');
  const withdraw = offer({
    write(data) {
      const target = current();
      if (target === undefined) {
        context.metrics.error('write_while_disconnected', data.length);
        return false;
      }
      target.write(data);
      return true;
    },
    pendingBytes: () => current()?.writableLength ?? 0,
    onDrain(callback) {
      const target = current();
      // A stream below its own high-water mark emits no 'drain': its backlog is small, go on now.
      if (target === undefined || target.writableLength === 0 || !target.writableNeedDrain) return void setImmediate(callback);
      const done = () => {
        target.off('drain', done);
        target.off('close', done);
        callback();
      };
      target.once('drain', done);
      target.once('close', done);
    },
  });
  context.signal.addEventListener('abort', withdraw, { once: true });
}

/** What a session writer counts for its source: bytes offered while no device was connected. */
export const DEVICE_WRITER_METRICS = { errors: { write_while_disconnected: 'bytes' } } as const satisfies MetricsDeclaration;
