import type { ComponentContext } from './component.js';
import type { MetricsDeclaration, MetricsRegistry } from './metrics.js';

/**
 * Lets a sink send bytes back to a device (the relay's write-through). The component contract gives
 * a sink no handle on a source, so sources that can write register a writer here under their id, in
 * a table scoped to the pipeline run (keyed by the run's metrics registry, which every component of
 * one run shares); sinks look the writer up by source id. Nothing here outlives the run.
 */
export interface DeviceWriter {
  /** Queues bytes for the device; returns false when they were not accepted (device not connected). */
  write(data: Buffer): boolean;
  /** Bytes accepted but still waiting in this process for the device (a slow or stalled device). */
  pendingBytes(): number;
  /** Calls `callback` once, when the waiting bytes have gone out or the connection is gone. */
  onDrain(callback: () => void): void;
}

/** The open port or socket of a connection: a Node writable stream. */
export interface SessionTarget {
  write(data: Buffer): unknown;
  readonly writableLength: number;
  /** True after a write passed the stream's own high-water mark: only then does it emit 'drain'. */
  readonly writableNeedDrain: boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  off(event: 'drain' | 'close', listener: () => void): unknown;
}

const tables = new WeakMap<MetricsRegistry, Map<string, DeviceWriter>>();

/** Registers `writer` for the calling source; returns the function that unregisters it. */
export function registerDeviceWriter(context: ComponentContext, writer: DeviceWriter): () => void {
  let table = tables.get(context.registry);
  if (table === undefined) tables.set(context.registry, (table = new Map()));
  table.set(context.id, writer);
  return () => {
    if (table.get(context.id) === writer) table.delete(context.id);
  };
}

/** The writer of source `sourceId` in the caller's pipeline run, if that source can write. */
export function findDeviceWriter(context: ComponentContext, sourceId: string): DeviceWriter | undefined {
  return tables.get(context.registry)?.get(sourceId);
}

/**
 * Registers a writer that sends to whatever `current()` returns (the open port or socket of the
 * present connection) and counts bytes offered while there is none as `write_while_disconnected`.
 * Unregisters itself when the pipeline stops.
 */
export function registerSessionWriter(context: ComponentContext, current: () => SessionTarget | undefined): void {
  const unregister = registerDeviceWriter(context, {
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
  context.signal.addEventListener('abort', unregister, { once: true });
}

/** What a session writer counts for its source: bytes offered while no device was connected. */
export const DEVICE_WRITER_METRICS: MetricsDeclaration = { errors: { write_while_disconnected: 'bytes' } };
