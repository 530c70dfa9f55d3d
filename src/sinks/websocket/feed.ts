import type { WebSocket } from 'ws';
import type { Field, RecordsBatch } from '../../core/batch.js';
import { type PipelineStatus, required } from '../../core/capabilities.js';
import type { ComponentContext } from '../../core/component.js';
import { type ClientPolicy, FeedClient } from './client.js';
import { encodeDataMessage, sendableColumns } from './encode.js';
import { type FeedEntry, History } from './history.js';
import { didYouMean } from '../../core/config/did-you-mean.js';

/** Protocol version in the hello message; bumped on incompatible changes. */
export const PROTOCOL_VERSION = 1;

/** History replayed on connect is capped at this many times the client's buffer limit. */
const REPLAY_BUDGET_FACTOR = 4;

interface StreamState {
  name: string;
  fields: readonly Field[];
  key: string;
  sendable: string[];
  timeColumns: string[];
  seq: number;
}

export interface FeedOptions {
  readonly historyMs: number;
  readonly historyMaxBytes: number;
  readonly policy: ClientPolicy;
  /** Clients connected at once; more are refused (HTTP 503). */
  readonly maxClients: number;
  /**
   * Bytes waiting in all client sockets together above which a client that has anything waiting gets
   * no more data until it drains; a client that keeps up (nothing waiting) is still served.
   */
  readonly totalBufferBytes: number;
  /** String column whose values the page plots as separate series (told to clients in hello). */
  readonly seriesBy?: string;
  /**
   * The sink's input names: the streams there can be, listed in hello before their first batch, and
   * the names a client may ask for. Without them (standalone use) streams are the ones seen so far.
   */
  readonly streams?: readonly string[];
}

/** What a client asks for when it connects (query string) or later (subscribe / max_rate messages). */
export interface FeedSelection {
  columns?: string[] | null;
  streams?: string[] | null;
  maxRate?: number;
  history?: boolean;
}

/**
 * The broadcast hub behind `/ws`: keeps each stream's schema and history, encodes each batch once per
 * distinct column selection, and hands it to every client through that client's slow-client policy.
 */
export class LiveFeed {
  private readonly clients = new Set<FeedClient>();
  private readonly streams = new Map<string, StreamState>();
  private readonly history: History;
  private nextClientId = 1;
  /** Every component's counters, for the status messages and the server's /api/status and /metrics. */
  readonly status: PipelineStatus;

  constructor(
    private readonly options: FeedOptions,
    private readonly context: ComponentContext,
  ) {
    this.history = new History(options.historyMs, options.historyMaxBytes);
    this.status = required(context.status, context.id, '`status: true`');
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Why a new client cannot be taken now (counted and logged by the server), or undefined. */
  refusesNewClient(): string | undefined {
    if (this.clients.size < this.options.maxClients) return undefined;
    return `too many live view clients (max_clients is ${this.options.maxClients}); close one or raise max_clients`;
  }

  /** Bytes waiting in every client socket together. */
  bufferedBytes(): number {
    let total = 0;
    for (const client of this.clients) total += client.buffered;
    return total;
  }

  /**
   * Publishes one batch to every client; never waits for any of them. The stream is the sink input it
   * arrived on (what the pipeline file calls it), or the batch's source when no input is given.
   */
  publish(batch: RecordsBatch, nowMs = Date.now(), input = batch.source): void {
    const stream = this.streamFor(input, batch);
    const seq = ++stream.seq;
    this.history.add(input, stream.key, seq, batch, nowMs);
    const encoded = new Map<string, Buffer>();
    const budget = { bytes: this.bufferedBytes() };
    for (const client of this.clients) this.deliver(client, stream, batch, seq, nowMs, encoded, budget);
    this.context.metrics.gauge('client_buffered_bytes', budget.bytes);
  }

  /** Registers a new connection: hello, schemas, history replay, then live data. */
  attach(socket: WebSocket, remote: string, selection: FeedSelection, nowMs = Date.now()): FeedClient {
    const client = new FeedClient(this.nextClientId++, socket, remote, this.options.policy, nowMs);
    this.clients.add(client);
    this.context.metrics.count('clients_connected');
    this.context.metrics.gauge('clients', this.clients.size);
    socket.on('close', () => {
      this.clients.delete(client);
      this.context.metrics.gauge('clients', this.clients.size);
    });
    socket.on('message', (data, isBinary) => this.onControl(client, isBinary ? null : data.toString()));
    client.sendControl(this.hello(client), true);
    // After hello, so an unknown-stream error reaches a client that has read the protocol header.
    this.applySelection(client, selection);
    const replay = selection.history === false ? [] : this.replayFor(client, nowMs);
    // The replay is already bounded by its budget, so it bypasses the slow-client policy.
    for (const entry of replay) client.send(this.encode(client, this.streams.get(entry.stream)!, entry.batch, entry.seq, new Map()), nowMs, true);
    client.sendControl({ type: 'live', history_batches: replay.length }, true);
    return client;
  }

  /** Sends a status message (every component's metrics and the client's own counters) to each client. */
  broadcastStatus(nowMs = Date.now()): void {
    if (this.clients.size === 0) return;
    // The component list is the same for every client: serialize it once.
    const shared = `{"type":"status","time_ms":${nowMs},"uptime_s":${(nowMs - this.status.startedAtMs) / 1000},"components":${JSON.stringify(this.status.snapshot())}`;
    for (const client of this.clients) client.sendControlText(`${shared},"client":${JSON.stringify(client.snapshot(nowMs))}}`);
  }

  clientSnapshots(nowMs = Date.now()) {
    return [...this.clients].map((c) => c.snapshot(nowMs));
  }

  /** Closes every client with "going away", so pages know to reconnect to the next run. */
  closeAll(reason: string): FeedClient[] {
    const open = [...this.clients];
    for (const client of open) client.socket.close(1001, reason);
    return open;
  }

  private streamFor(name: string, batch: RecordsBatch): StreamState {
    const key = JSON.stringify(batch.schema.fields);
    let stream = this.streams.get(name);
    if (stream && stream.key === key) return stream;
    const fields = batch.schema.fields;
    stream = {
      name,
      fields,
      key,
      sendable: sendableColumns(fields),
      timeColumns: fields.filter((f) => f.time !== undefined).map((f) => f.name),
      seq: stream?.seq ?? 0,
    };
    this.streams.set(name, stream);
    // Clients must know a schema before its data arrives, so schema messages are never skipped.
    for (const client of this.clients) client.sendControl({ type: 'schema', stream: name, fields }, true);
    return stream;
  }

  private deliver(client: FeedClient, stream: StreamState, batch: RecordsBatch, seq: number, nowMs: number, encoded: Map<string, Buffer>, budget: { bytes: number }): void {
    if (client.streams && !client.streams.has(stream.name)) return;
    // A closing socket only collects bytes it will never send; it leaves the set on its close event.
    if (client.socket.readyState !== client.socket.OPEN) return;
    // Many stalled clients, each within its own limit, could still add up to a lot of memory.
    const overTotal = budget.bytes >= this.options.totalBufferBytes && client.buffered > 0;
    const admission = client.admit(nowMs, overTotal);
    if (overTotal && admission === 'dropped') this.context.metrics.count('client_total_buffer_dropped_batches');
    if (admission !== 'send') {
      if (admission === 'dropped' || admission === 'close') this.context.metrics.count('client_dropped_batches');
      if (admission === 'downsampled') this.context.metrics.count('client_downsampled_batches');
      if (admission === 'rate_limited') this.context.metrics.count('client_rate_limited_batches');
      if (admission === 'close') this.closeSlow(client);
      return;
    }
    const message = this.encode(client, stream, batch, seq, encoded);
    budget.bytes += message.length;
    client.send(message, nowMs);
  }

  /** Encodes a batch once per distinct column selection; `encoded` caches within one publish. */
  private encode(client: FeedClient, stream: StreamState, batch: RecordsBatch, seq: number, encoded: Map<string, Buffer>): Buffer {
    const columns = this.columnsFor(client, stream);
    const key = columns.join('\u0000');
    let message = encoded.get(key);
    if (!message) encoded.set(key, (message = encodeDataMessage(stream.name, seq, batch, columns)));
    return message;
  }

  /** Columns a client gets from a stream: its selection (time columns always) or all. */
  private columnsFor(client: FeedClient, stream: StreamState): string[] {
    const wanted = client.columns;
    return wanted ? stream.sendable.filter((c) => wanted.has(c) || stream.timeColumns.includes(c)) : stream.sendable;
  }

  /**
   * The newest history entries that fit the replay budget, oldest first. Replaying more than the
   * client's buffer can take would only make the slow-client policy skip the newest live data.
   */
  private replayFor(client: FeedClient, nowMs: number): FeedEntry[] {
    const entries = this.history.snapshot(nowMs);
    const budget = this.options.policy.limitBytes * REPLAY_BUDGET_FACTOR;
    let bytes = 0;
    let first = entries.length;
    while (first > 0) {
      const entry = entries[first - 1];
      const stream = this.streams.get(entry.stream);
      if (!stream || stream.key !== entry.schemaKey || (client.streams && !client.streams.has(entry.stream))) {
        first--;
        continue;
      }
      bytes += entry.batch.length * this.columnsFor(client, stream).length * 8 + 256;
      if (bytes > budget) break;
      first--;
    }
    return entries.slice(first).filter((e) => this.streams.get(e.stream)?.key === e.schemaKey);
  }

  private closeSlow(client: FeedClient): void {
    if (!this.clients.delete(client)) return;
    this.context.metrics.count('clients_closed_slow');
    this.context.metrics.gauge('clients', this.clients.size);
    this.context.log.warn({ client: client.id, remote: client.remote, buffered: client.buffered }, 'live view: closing a client that does not keep up');
    // terminate(), not close(): a stalled peer would never read the close frame queued behind its backlog.
    client.socket.terminate();
  }

  private hello(client: FeedClient) {
    return {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      pipeline: this.context.pipeline.name,
      sink: this.context.id,
      client_id: client.id,
      anchor_wall_ns: this.context.clock.anchorWallNs.toString(),
      history_ms: this.options.historyMs,
      policy: { slow_client: this.options.policy.policy, client_buffer: this.options.policy.limitBytes, close_after_ms: this.options.policy.closeAfterMs },
      // Every stream there can be; one that has sent nothing yet has no fields (a schema message follows).
      streams: Object.fromEntries(this.streamNames().map((name) => [name, { fields: this.streams.get(name)?.fields ?? [] }])),
      ...(this.options.seriesBy !== undefined ? { series_by: this.options.seriesBy } : {}),
    };
  }

  /** The sink's inputs (when known) and any stream seen, in that order. */
  private streamNames(): string[] {
    return [...new Set([...(this.options.streams ?? []), ...this.streams.keys()])];
  }

  /**
   * A stream name that is none of the sink's inputs would silently select nothing: the client gets an
   * error naming the streams there are (and nothing of that name). Unchecked without known inputs.
   */
  private unknownStreams(selection: FeedSelection): string | undefined {
    if (!this.options.streams || !selection.streams) return undefined;
    const known = this.streamNames();
    const unknown = selection.streams.filter((name) => !known.includes(name));
    if (unknown.length === 0) return undefined;
    return `no stream ${unknown.map((n) => `"${n}"`).join(', ')}${didYouMean(unknown[0], known)}; streams: ${known.join(', ')} (the sink's inputs)`;
  }

  private applySelection(client: FeedClient, selection: FeedSelection): void {
    const unknown = this.unknownStreams(selection);
    if (unknown) {
      this.context.metrics.error('unknown_stream');
      client.sendControl({ type: 'error', code: 'unknown_stream', message: unknown, streams: this.streamNames() }, true);
    }
    if (selection.columns !== undefined) client.columns = selection.columns ? new Set(selection.columns) : null;
    if (selection.streams !== undefined) client.streams = selection.streams ? new Set(selection.streams) : null;
    if (selection.maxRate !== undefined) client.maxRate = selection.maxRate;
  }

  private onControl(client: FeedClient, text: string | null): void {
    const message = parseControl(text);
    if (typeof message === 'string') {
      this.context.metrics.error('bad_control_message');
      client.sendControl({ type: 'error', message }, true);
      return;
    }
    this.applySelection(client, message);
  }
}

/** Parses a client's control message into a selection change, or returns an error text. */
export function parseControl(text: string | null): FeedSelection | string {
  if (text === null) return 'control messages are JSON text, not binary';
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return 'control message is not valid JSON';
  }
  const m = message as Record<string, unknown>;
  const names = (value: unknown) => value === null || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
  if (m?.type === 'subscribe') {
    if (m.columns !== undefined && !names(m.columns)) return 'subscribe: "columns" must be a list of column names or null';
    if (m.streams !== undefined && !names(m.streams)) return 'subscribe: "streams" must be a list of stream names or null';
    return { columns: m.columns as string[] | null | undefined, streams: m.streams as string[] | null | undefined };
  }
  if (m?.type === 'max_rate') {
    if (typeof m.per_second !== 'number' || !(m.per_second >= 0)) return 'max_rate: "per_second" must be a number >= 0 (0 = no limit)';
    return { maxRate: m.per_second };
  }
  return `unknown control message type ${JSON.stringify(m?.type)} (expected "subscribe" or "max_rate")`;
}
