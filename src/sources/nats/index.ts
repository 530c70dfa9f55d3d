import type { JsMsg } from '@nats-io/jetstream';
import { type RecordsBatch, recordsBatch } from '../../core/batch.js';
import { sleep } from '../../core/sleep.js';
import { defineSource, type ComponentContext } from '../../core/component.js';
import { loopSource } from '../../core/source-loop.js';
import { declareMetrics } from '../../core/metrics.js';
import { NATS_LINK_METRICS, openNatsLink } from '../../core/nats/connection.js';
import { MESSAGE_HEADERS } from '../../core/nats/headers.js';
import { ensureStream } from '../../core/nats/stream.js';
import { ensureConsumer } from './consumer.js';
import { Redeliveries } from './dedup.js';
import { type NatsSourceOptions, natsSourceOptions } from './options.js';

/**
 * Reads records published by `nats` sinks from a JetStream durable pull consumer. Each message
 * becomes a records batch with a `node` column (from its headers) and `stream_seq`, and its batches
 * carry `<id>#<node>` as their source, so stateful steps keep one state per node. A message is
 * acknowledged only after every sink downstream has made its rows durable; until then the broker
 * redelivers it after a crash. Redeliveries of messages already passed on are removed by (node, run,
 * seq); messages that cannot be read are moved to the dead-letter subject, never redelivered forever.
 */
export const natsSource = defineSource({
  type: 'nats',
  metrics: declareMetrics(NATS_LINK_METRICS, {
    errors: { 'dead_letter_*': 'events', fetch_failed: 'events', pull_interrupted: 'events' },
    counters: { messages: 'events', pulls: 'requests', redelivered: 'events', duplicates_removed: 'events', acked: 'events', progress_acks: 'events' },
  }),
  summary: 'Reads records from NATS JetStream (durable consumer), acknowledging each message once its rows are durable downstream.',
  options: natsSourceOptions,
  output: 'records',
  create(options, context) {
    return loopSource<RecordsBatch>(context, (emit, signal) => consume(options, context, emit, signal));
  },
  examples: [{ title: 'The central recorder of a testbed: every node into one partitioned dataset', yaml: `
sources: { nodes: { type: nats, url: "nats://127.0.0.1:4222", stream: TESTBED, subject: "tm.>", consumer: central } }
sinks: { recording: { type: parquet, inputs: [nodes], path: "recordings/testbed/{start}.parquet", partition_by: [node] } }
` }],
});

async function consume(options: NatsSourceOptions, context: ComponentContext, emit: (batch: RecordsBatch) => void, stop: AbortSignal): Promise<void> {
  const { log, metrics } = context;
  // The NATS client and apache-arrow load when the source starts, not with its definition (`validate`, `list`).
  const [{ jetstream, jetstreamManager }, { headers: natsHeaders }, { decodeRecordsMessage }] = await Promise.all([
    import('@nats-io/jetstream'),
    import('@nats-io/transport-node'),
    import('../../core/arrow-message.js'),
  ]);
  const link = openNatsLink(options.url, options.backoff, context, stop);
  let nc;
  try {
    nc = await link.ready;
  } catch {
    return; // stopped before the broker was reached: nothing was read, nothing to acknowledge
  }
  const connection = nc;
  const acks = new AckTracker(context, options.ack_wait);
  try {
    const jsm = await jetstreamManager(connection);
    await ensureStream(jsm, { name: options.stream, subjects: [options.subject], probe: concreteSubject(options.subject), create: true, duplicateWindowMs: 120_000 }, log);
    await ensureConsumer(jsm, options, log);
    const js = jetstream(connection);
    const consumer = await js.consumers.get(options.stream, options.consumer);
    const seen = new Redeliveries();
    const deadLetterSubject = options.dead_letter.replaceAll('{stream}', options.stream);
    // Dead letters are kept, not published into the void: a stream of their own captures them.
    await ensureStream(jsm, { name: `${options.stream}_DEAD`, subjects: [deadLetterSubject], probe: deadLetterSubject, create: true, duplicateWindowMs: 120_000 }, log);
    const deadLetter = async (m: JsMsg, reason: string, detail: string): Promise<void> => {
      const h = natsHeaders();
      for (const [key, values] of m.headers ?? []) for (const v of values) h.append(key, v);
      h.set('Tm-Error', `${reason}: ${detail}`.slice(0, 1000));
      h.set('Tm-Stream-Seq', String(m.seq));
      await js.publish(deadLetterSubject, m.data, { headers: h });
      m.term();
      metrics.error(`dead_letter_${reason}`);
      log.warn(`nats: message ${m.seq} on ${m.subject} moved to ${deadLetterSubject} (${reason}: ${detail})`);
    };
    // A failed durability request (a sink failed) ends the source; its messages stay unacknowledged.
    let ackFailure: unknown;
    const ackLoop = acks.run(options.ack_interval, stop).catch((error: unknown) => {
      ackFailure = error;
    });
    while (!stop.aborted && ackFailure === undefined) {
      await context.flow.whenResumed();
      if (acks.pending >= options.max_ack_pending) {
        await sleep(options.ack_interval, { signal: stop, scheduler: context.scheduler });
        continue;
      }
      const messages = await consumer.fetch({ max_messages: Math.min(options.fetch_max, options.max_ack_pending - acks.pending), expires: 1_000 }).catch((error: Error) => {
        metrics.error('fetch_failed');
        log.warn(`nats: fetch failed (${error.message}); retrying`);
        return undefined;
      });
      metrics.count('pulls');
      if (messages === undefined) {
        await sleep(options.backoff.initial, { signal: stop, scheduler: context.scheduler });
        continue;
      }
      try {
        for await (const m of messages) {
          const node = m.headers?.get(MESSAGE_HEADERS.node) ?? '';
          const run = m.headers?.get(MESSAGE_HEADERS.run) ?? '';
          const seq = Number(m.headers?.get(MESSAGE_HEADERS.seq));
          if (m.info.redelivered) metrics.count('redelivered');
          if (m.info.deliveryCount > options.max_deliver) {
            await deadLetter(m, 'max_deliver', `delivered ${m.info.deliveryCount} times`);
            continue;
          }
          if (!node || !run || !Number.isInteger(seq)) {
            await deadLetter(m, 'headers', `missing ${MESSAGE_HEADERS.node}, ${MESSAGE_HEADERS.run} or ${MESSAGE_HEADERS.seq}`);
            continue;
          }
          if (!seen.firstTime(node, run, seq)) {
            metrics.count('duplicates_removed');
            acks.add(m);
            continue;
          }
          let batch: RecordsBatch;
          try {
            batch = withOrigin(decodeRecordsMessage(m.data, context.clock, `${context.id}#${node}`), node, m.seq);
          } catch (error) {
            await deadLetter(m, 'format', (error as Error).message);
            continue;
          }
          metrics.count('messages');
          emit(batch);
          acks.add(m);
        }
      } catch (error) {
        // Missed heartbeats or a lost connection end this pull; unacknowledged messages come again.
        metrics.error('pull_interrupted');
        log.warn(`nats: pull interrupted (${(error as Error).message}); pulling again`);
      }
    }
    await ackLoop;
    if (ackFailure !== undefined) throw ackFailure;
    await acks.flush();
  } finally {
    await link.close();
  }
}

/** A subject matched by a filter, for checking that the stream captures the filter's subjects. */
function concreteSubject(filter: string): string {
  return filter.replaceAll('*', 'probe').replace(/>$/, 'probe');
}

const nodeDictionaries = new Map<string, readonly string[]>();

/** Adds the `node` and `stream_seq` columns (constant over one message). */
function withOrigin(batch: RecordsBatch, node: string, streamSeq: number): RecordsBatch {
  if (batch.columns.node !== undefined || batch.columns.stream_seq !== undefined) throw new Error('the message already has a node or stream_seq column');
  let dictionary = nodeDictionaries.get(node);
  if (dictionary === undefined) nodeDictionaries.set(node, (dictionary = Object.freeze([node])));
  const seqs = new BigInt64Array(batch.length).fill(BigInt(streamSeq));
  return recordsBatch(
    batch.source,
    [{ name: 'node', type: 'string', description: 'Node that published the rows' }, ...batch.schema.fields, { name: 'stream_seq', type: 'i64', description: 'JetStream sequence of the message that carried the rows' }],
    { node: { codes: new Int32Array(batch.length), dictionary }, ...batch.columns, stream_seq: seqs },
    batch.length,
  );
}

/**
 * Messages passed on and not yet acknowledged. Every `ack_interval` it asks the pipeline to make what
 * this source emitted durable (`context.durable`), then acknowledges the messages emitted before the
 * request; while that takes longer than a third of ack_wait it tells the broker the messages are in
 * progress, so a slow disk never causes a redelivery.
 */
class AckTracker {
  private waiting: JsMsg[] = [];
  private inProgress = 0;

  constructor(
    private readonly context: ComponentContext,
    private readonly ackWaitMs: number,
  ) {}

  get pending(): number {
    return this.waiting.length + this.inProgress;
  }

  add(m: JsMsg): void {
    this.waiting.push(m);
  }

  async run(intervalMs: number, stop: AbortSignal): Promise<void> {
    while (await sleep(intervalMs, { signal: stop, scheduler: this.context.scheduler })) await this.flush();
  }

  /** Makes everything emitted so far durable and acknowledges it. */
  async flush(): Promise<void> {
    if (this.waiting.length === 0) return;
    const batch = this.waiting;
    this.waiting = [];
    this.inProgress += batch.length;
    const progress = setInterval(() => {
      for (const m of batch) m.working();
      this.context.metrics.count('progress_acks', batch.length);
    }, Math.max(100, this.ackWaitMs / 3));
    try {
      await (this.context.durable?.() ?? Promise.resolve());
      for (const m of batch) m.ack();
      this.context.metrics.count('acked', batch.length);
    } finally {
      clearInterval(progress);
      this.inProgress -= batch.length;
    }
  }
}
