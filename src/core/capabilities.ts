import type { ComponentSnapshot } from './metrics.js';

/*
 * Capabilities: what a component needs from the pipeline beyond its inputs and outputs. A definition
 * declares them (`capabilities` in defineSource / defineSink), `pipeline validate` checks them against
 * the graph, and the runner hands each component what it declared through its context, as small
 * interfaces of plain calls, so a runner that puts components in other processes can serve them over
 * a channel. A component never reaches another component or the runner directly.
 */

/** What a source may declare. */
export interface SourceCapabilities {
  /**
   * The source can send bytes to its device (a serial port, a TCP peer, an RTT down channel): sinks
   * that declare `writesTo` may name it. Its context then has `offerWriter`.
   */
  readonly writable?: boolean;
}

/** What a sink may declare; `writesTo` names the option that holds a source id. */
export interface SinkCapabilities<Key extends string = string> {
  /** The sink reports on the whole pipeline (status lines, live view, /metrics): its context has `status`. */
  readonly status?: boolean;
  /**
   * The option whose value names a writable source that the sink sends bytes to (the relay's
   * `write_through`). `validate` refuses a name that is not a source or a source that cannot write;
   * the context then has `device`.
   */
  readonly writesTo?: Key;
}

/** Every component's counters in this run, read on demand. */
export interface PipelineStatus {
  /** Wall-clock start of the run, ms since the epoch. */
  readonly startedAtMs: number;
  /** One snapshot per component, sources first, in the order they were built. */
  snapshot(): ComponentSnapshot[];
}

/** A way to send bytes to a device, offered by a writable source while it is connected. */
export interface DeviceWriter {
  /** Queues bytes for the device; returns false when they were not accepted (device not connected). */
  write(data: Buffer): boolean;
  /** Bytes accepted but still waiting in this process for the device (a slow or stalled device). */
  pendingBytes(): number;
  /** Calls `callback` once, when the waiting bytes have gone out or the connection is gone. */
  onDrain(callback: () => void): void;
}

/** A sink's end of the path to one source's device. */
export interface DeviceLink {
  /** The source, as named in the sink's options. */
  readonly sourceId: string;
  /** The writer the source offers now; undefined while it offers none (not started, or stopped). */
  current(): DeviceWriter | undefined;
}

/**
 * The device writers of one run, by source id: writable sources offer theirs, sinks get a link to the
 * source they declared. Scoped to its owner (a runner, or a test wiring standalone components).
 */
export class DeviceWriters {
  private readonly writers = new Map<string, DeviceWriter>();

  /** Offers `writer` for source `sourceId`; returns the function that withdraws it. */
  offer(sourceId: string, writer: DeviceWriter): () => void {
    this.writers.set(sourceId, writer);
    return () => {
      if (this.writers.get(sourceId) === writer) this.writers.delete(sourceId);
    };
  }

  link(sourceId: string): DeviceLink {
    return { sourceId, current: () => this.writers.get(sourceId) };
  }
}

/** Returns a capability from the context, or throws naming the declaration that is missing. */
export function required<T>(capability: T | undefined, componentId: string, declaration: string): T {
  if (capability === undefined) throw new Error(`component "${componentId}" needs ${declaration} in its definition's capabilities, and a context that provides it`);
  return capability;
}
