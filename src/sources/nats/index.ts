import type { ConsumerInfo, JsMsg } from '@nats-io/jetstream';
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
import { isPullFull, pullOptions } from './pull.js';

/** The server's max_payload when its INFO did not say (nats-server's default). */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

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
    errors: { 'dead_letter_*': 'events', fetch_failed: 'events', pull_interrupted: 'events', partially_recorded: 'events', unreachable_at_stop: 'events' },
    counters: { messages: 'events', pulls: 'requests', redelivered: 'events', duplicates_removed: 'events', already_recorded: 'events', acked: 'events', progress_acks: 'events' },
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
    const info = await ensureConsumer(jsm, options, log);
    const js = jetstream(connection);
    const consumer = await js.consumers.get(options.stream, options.consumer);
    const seen = new Redeliveries();
    const recorded = await recordedBefore(info, context);
    const deadLetterSubject = options.dead_letter.replaceAll('{stream}', options.stream);
    // Dead letters are kept, not published into the void: a stream of their own captures them.
    await ensureStream(jsm, { name: `${options.stream}_DEAD`, subjects: [deadLetterSubject], probe: deadLetterSubject, create: true, duplicateWindowMs: 120_000 }, log);
    const deadLetter = async (m: JsMsg, reason: string, detail: string): Promise<void> => {
      const h = natsHeaders();
      for (const [key, values] of m.headers ?? []) for (const v of values) h.append(key, v);
      h.set('Tm-Error', `${reason}: ${detail}`.slice(0, 1000));
      h.set('Tm-Stream-Seq', String(m.seq));
      // The id makes a dead letter published again (its term lost in a crash) stored once.
      await js.publish(deadLetterSubject, m.data, { headers: h, msgID: `dead-${options.stream}-${m.seq}` });
      m.term();
      metrics.error(`dead_letter_${reason}`);
      log.warn(`nats: message ${m.seq} on ${m.subject} moved to ${deadLetterSubject} (${reason}: ${detail})`);
    };
    // A failed durability request (a sink failed) ends the source; its messages stay unacknowledged.
    let ackFailure: unknown;
    const ackLoop = acks.run(options.ack_interval, stop).catch((error: unknown) => {
      ackFailure = error;
    });
    // Set when a pull by bytes could not bring the next message (larger than the pull): the next pull
    // asks for that one message alone.
    let oneMessage = false;
    /**
     * One pull: every message is passed on, removed as seen or recorded, or dead-lettered. `until` ends
     * it early: while the broker is unreachable the client waits for a reconnect and a pull would never
     * end by itself, so a stop must cut it.
     */
    const pull = async (until: AbortSignal): Promise<void> => {
      if (until.aborted) return;
      const bounds = { messages: oneMessage ? 1 : Math.min(options.fetch_max, options.max_ack_pending - acks.pending), bytes: options.fetch_bytes, maxPayload: connection.info?.max_payload ?? DEFAULT_MAX_PAYLOAD };
      const messages = await consumer.fetch(pullOptions(bounds, 1_000)).catch((error: Error) => {
        metrics.error('fetch_failed');
        log.warn(`nats: fetch failed (${error.message}); retrying`);
        return undefined;
      });
      metrics.count('pulls');
      if (messages === undefined) {
        await sleep(options.backoff.initial, { signal: until, scheduler: context.scheduler });
        return;
      }
      const cut = () => messages.stop();
      until.addEventListener('abort', cut, { once: true });
      let received = 0;
      try {
        for await (const m of messages) {
          received++;
          const node = m.headers?.get(MESSAGE_HEADERS.node) ?? '';
          const run = m.headers?.get(MESSAGE_HEADERS.run) ?? '';
          const seq = Number(m.headers?.get(MESSAGE_HEADERS.seq));
          if (m.info.redelivered) metrics.count('redelivered');
          if (m.info.deliveryCount > options.max_deliver) {
            await deadLetter(m, 'max_deliver', `delivered ${m.info.deliveryCount} times`);
            continue;
          }
          if (m.data.byteLength > options.max_message_bytes) {
            await deadLetter(m, 'too_large', `${m.data.byteLength} bytes, more than max_message_bytes (${options.max_message_bytes})`);
            continue;
          }
          if (!node || !run || !Number.isInteger(seq)) {
            await deadLetter(m, 'headers', `missing ${MESSAGE_HEADERS.node}, ${MESSAGE_HEADERS.run} or ${MESSAGE_HEADERS.seq}`);
            continue;
          }
          const held = recorded.get(m.seq);
          if (held !== undefined) {
            recorded.delete(m.seq);
            const rows = Number(m.headers?.get(MESSAGE_HEADERS.rows));
            if (held >= rows) {
              // Written durably by a run that died before acknowledging it: acknowledge, do not write again.
              seen.firstTime(node, run, seq);
              metrics.count('already_recorded');
              acks.add(m);
              continue;
            }
            // Part of it is on disk (a sink split it): writing it whole duplicates those rows, losing none.
            metrics.error('partially_recorded');
            log.warn(`nats: message ${m.seq} was partly recorded before the restart (${held} of ${rows} rows); written again in full`);
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
        oneMessage = false;
      } catch (error) {
        if (isPullFull(error)) {
          oneMessage = received === 0;
          if (oneMessage) log.warn(`nats: the next message is larger than a pull of ${options.fetch_bytes} bytes; pulling it alone`);
          return;
        }
        if (until.aborted) return;
        // Missed heartbeats or a lost connection end this pull; unacknowledged messages come again.
        metrics.error('pull_interrupted');
        log.warn(`nats: pull interrupted (${(error as Error).message}); pulling again`);
      } finally {
        until.removeEventListener('abort', cut);
      }
    };
    while (!stop.aborted && ackFailure === undefined) {
      await context.flow.whenResumed();
      if (acks.pending >= options.max_ack_pending) {
        await sleep(options.ack_interval, { signal: stop, scheduler: context.scheduler });
        continue;
      }
      await pull(stop);
    }
    await ackLoop;
    if (ackFailure !== undefined) throw ackFailure;
    // A clean stop tells the recording that no earlier run's rows wait for an acknowledgement. Messages
    // delivered before a reconnect may still be unacknowledged on the broker: they come again after
    // ack_wait, are removed as seen and acknowledged; wait for that, at most ack_wait and a little.
    // One deadline ends both the wait and a pull in progress.
    const settled = new AbortController();
    const deadline = context.scheduler.schedule(() => settled.abort(), options.ack_wait + 5_000);
    try {
      for (let round = 0; ; round++) {
        if (!link.connected) {
          // Every row passed on is durable downstream; only the broker's confirmation of the last
          // acknowledgements is missing. Ending with an error (at once: nobody is there to wait for)
          // keeps the recording's unclean marker, so the next run checks the recording for them.
          metrics.error('unreachable_at_stop');
          throw new Error('the broker is unreachable at stop; messages whose acknowledgement it did not confirm come again to the next run, which finds their rows in the recording and does not write them twice');
        }
        await acks.flush(true);
        const left = (await jsm.consumers.info(options.stream, options.consumer)).num_ack_pending;
        if (left === 0) break;
        if (settled.signal.aborted) throw new Error(`${left} messages delivered to this run are still unacknowledged on the broker; the next run checks the recording for them`);
        if (round === 0) log.info(`nats: stopping once ${left} messages delivered before a reconnect are redelivered and acknowledged (at most ack_wait)`);
        await pull(settled.signal);
      }
    } finally {
      deadline.unsubscribe();
    }
  } finally {
    await link.close();
  }
}

/**
 * After a crash: messages delivered to an earlier run and not acknowledged (stream sequences above the
 * ack floor, up to the last delivered) may already be in the recording. The sinks downstream say which
 * (by the `stream_seq` column they wrote), so those are acknowledged without being written again.
 */
async function recordedBefore(info: ConsumerInfo, context: ComponentContext): Promise<Map<number, number>> {
  const from = info.ack_floor.stream_seq + 1;
  const to = info.delivered.stream_seq;
  if (to < from || context.recorded === undefined) return new Map();
  const held = new Map(await context.recorded({ column: 'stream_seq', from, to }));
  context.log.info(`nats: ${to - from + 1} messages (stream sequence ${from}..${to}) were delivered to an earlier run and not acknowledged; ${held.size} of them are already recorded and will not be written again`);
  return held;
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

  /**
   * Makes everything emitted so far durable and acknowledges it; with `confirm`, waits for the broker
   * to confirm each acknowledgement (at stop) and fails naming how many it did not.
   */
  async flush(confirm = false): Promise<void> {
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
      if (confirm) {
        const confirmed = await Promise.all(batch.map((m) => m.ackAck().then(() => true, () => false)));
        const missing = confirmed.filter((ok) => !ok).length;
        this.context.metrics.count('acked', batch.length - missing);
        if (missing > 0) throw new Error(`the broker did not confirm ${missing} acknowledgements at stop; those messages come again to the next run, which checks the recording for them`);
      } else {
        for (const m of batch) m.ack();
        this.context.metrics.count('acked', batch.length);
      }
    } finally {
      clearInterval(progress);
      this.inProgress -= batch.length;
    }
  }
}
