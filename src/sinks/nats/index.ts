import os from 'node:os';
import type { Batch, RecordsBatch } from '../../core/batch.js';
import { defineSink } from '../../core/component.js';
import { declareMetrics } from '../../core/metrics.js';
import { NATS_LINK_METRICS, openNatsLink, subjectToken } from '../../core/nats/connection.js';
import { MESSAGE_HEADERS, messageId, newRunId } from '../../core/nats/headers.js';
import { ensureStream } from '../../core/nats/stream.js';
import { sliceRows } from '../../core/records/slice.js';
import { natsSinkOptions, renderSubject, streamSubject } from './options.js';
import { Linger } from './linger.js';
import { type OutgoingMessage, PublishWindow } from './publisher.js';

/**
 * Rows are held until they take this share of max_message_bytes (as counted in memory; the encoded
 * message is about as large), so most held runs encode into one message below the limit.
 */
const LINGER_FILL = 0.75;

/**
 * Publishes records batches to a NATS JetStream stream, for a central pipeline (the `nats` source)
 * to record a whole testbed. Each message is a self-contained Arrow IPC stream below
 * `max_message_bytes`, with the node, run, batch sequence and schema fingerprint in its headers and a
 * Nats-Msg-Id that makes a retried publish count once. Publishes are acknowledged by the broker; with
 * `when_full: block` (the default) a slow or absent broker pauses the device rather than losing data.
 */
export const natsSink = defineSink({
  type: 'nats',
  metrics: declareMetrics(NATS_LINK_METRICS, {
    errors: { oversized_rows: 'rows' },
    counters: { published_messages: 'events', acked_messages: 'events', acked_rows: 'rows', duplicate_publishes: 'events', publish_retries: 'events' },
    gauges: { in_flight: 'events' },
  }),
  summary: 'Publishes records batches to NATS JetStream as Arrow IPC messages, acknowledged, retried and deduplicated.',
  options: natsSinkOptions,
  input: ['records'],
  defaultWhenFull: 'block',
  create(options, context) {
    // The NATS client and apache-arrow load when the sink starts, not with its definition (`validate`, `list`).
    const jetstreamModule = import('@nats-io/jetstream');
    const arrowMessage = import('../../core/arrow-message.js');
    arrowMessage.catch(() => undefined);
    const stop = new AbortController();
    const node = options.node ?? subjectToken(os.hostname());
    const run = newRunId();
    const link = openNatsLink(options.url, options.backoff, context, stop.signal);
    const pipeline = subjectToken(context.pipeline.name);
    const client = link.ready.then(async (nc) => {
      const { jetstream, jetstreamManager } = await jetstreamModule;
      const probe = renderSubject(options.subject, { pipeline, node, stream: 'probe' });
      await ensureStream(await jetstreamManager(nc), { name: options.stream, subjects: [streamSubject(options.subject)], probe, create: options.create_stream, duplicateWindowMs: options.duplicate_window }, context.log);
      return jetstream(nc);
    });
    client.catch(() => undefined);
    const window = new PublishWindow(() => client, options, context);
    let sequence = 0;
    // Rows per message, learned from the encoded sizes so most batches are encoded once.
    let rowsPerMessage = Number.POSITIVE_INFINITY;

    const encode = (batch: RecordsBatch, encodeRecordsMessage: (batch: RecordsBatch, clock: typeof context.clock) => Uint8Array): { data: Uint8Array; rows: number }[] => {
      const out: { data: Uint8Array; rows: number }[] = [];
      for (let start = 0; start < batch.length; ) {
        const end = Math.min(batch.length, start + rowsPerMessage);
        const bytes = encodeRecordsMessage(sliceRows(batch, start, end), context.clock);
        if (bytes.length > options.max_message_bytes) {
          if (end - start === 1) {
            // No split helps: refuse the batch whole (with block the pipeline stops and names it).
            context.metrics.error('oversized_rows', batch.length);
            throw new Error(`nats: one row of ${batch.source} encodes to ${bytes.length} bytes, more than max_message_bytes (${options.max_message_bytes}); the batch of ${batch.length} rows is refused`);
          }
          rowsPerMessage = Math.max(1, Math.floor(((end - start) * options.max_message_bytes * 0.9) / bytes.length));
          continue;
        }
        out.push({ data: bytes, rows: end - start });
        start = end;
      }
      return out;
    };

    /** Encodes and publishes one batch (split below max_message_bytes); resolves once its messages are in flight. */
    const publish = async (batch: RecordsBatch): Promise<void> => {
      const subject = renderSubject(options.subject, { pipeline, node, stream: subjectToken(batch.source) });
      const { encodeRecordsMessage, schemaFingerprint } = await arrowMessage;
      const fingerprint = schemaFingerprint(batch);
      for (const { data, rows } of encode(batch, encodeRecordsMessage)) {
        const seq = sequence++;
        const message: OutgoingMessage = {
          subject,
          data,
          rows,
          id: messageId(node, run, seq),
          headers: { [MESSAGE_HEADERS.node]: node, [MESSAGE_HEADERS.run]: run, [MESSAGE_HEADERS.seq]: String(seq), [MESSAGE_HEADERS.schema]: fingerprint, [MESSAGE_HEADERS.rows]: String(rows), [MESSAGE_HEADERS.stream]: batch.source },
        };
        await window.send(message);
        context.metrics.count('published_messages');
      }
    };
    // Publishes go out one batch after the other (message sequence, order per source), whether a
    // write or the linger timer starts them.
    let tail: Promise<void> = Promise.resolve();
    const inOrder = (batch: RecordsBatch): Promise<void> => {
      const published = tail.then(() => publish(batch));
      tail = published.catch(() => undefined);
      return published;
    };
    // A batch the linger timer could not publish fails the next write, sync or close.
    let lingerFailure: unknown;
    const throwLingerFailure = () => {
      const error = lingerFailure;
      lingerFailure = undefined;
      if (error !== undefined) throw error;
    };
    const linger = new Linger(options.max_message_bytes * LINGER_FILL, options.linger, context.scheduler, (batch) => {
      inOrder(batch).catch((error: unknown) => (lingerFailure ??= error));
    });
    const publishHeld = async () => {
      await Promise.all(linger.takeAll().map(inOrder));
      await tail;
      throwLingerFailure();
    };

    return {
      async write(batch: Batch) {
        if (batch.kind !== 'records') throw new Error(`nats: takes records batches, got ${batch.kind}`);
        throwLingerFailure();
        if (batch.length === 0) return;
        await Promise.all(linger.add(batch).map(inOrder));
      },
      async sync() {
        await publishHeld();
        await window.settled();
      },
      async close() {
        try {
          // What is in flight is still waited for when a held batch could not be published.
          const failure = await publishHeld().then(() => undefined, (error: unknown) => error ?? new Error('nats: publishing held rows failed'));
          await window.drain();
          if (failure !== undefined) throw failure;
        } finally {
          stop.abort();
          await link.close();
        }
      },
    };
  },
  examples: [{ title: 'A testbed node publishing its decoded samples to the lab broker', yaml: `
sources: { node: { type: simulator, emit: records } }
sinks: { uplink: { type: nats, inputs: [node], url: "nats://127.0.0.1:4222", stream: TESTBED, node: node-07 } }
` }],
});
