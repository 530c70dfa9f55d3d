import type { ConsumerInfo, JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { NatsSourceOptions } from './options.js';

/**
 * Creates the durable pull consumer, or updates one left by an earlier run, and reads its config
 * back: acknowledgements must be explicit and the filter what was asked, or rows could be
 * acknowledged before they are durable or never delivered at all.
 */
export async function ensureConsumer(jsm: JetStreamManager, options: NatsSourceOptions, log: Logger): Promise<ConsumerInfo> {
  // The NATS client loads when the component starts, not with its definition (`validate`, `list`).
  const [{ AckPolicy }, { nanos }] = await Promise.all([import('@nats-io/jetstream'), import('@nats-io/transport-node')]);
  const config = {
    durable_name: options.consumer,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(options.ack_wait),
    max_ack_pending: options.max_ack_pending,
    // Deliveries are counted here, not by the server: a message past max_deliver is moved to the
    // dead-letter subject by the source, so the server must not stop delivering it first.
    max_deliver: -1,
    filter_subject: options.subject,
  };
  const existing = await jsm.consumers.info(options.stream, options.consumer).catch((error: Error) => {
    if (/not found/i.test(error.message)) return undefined;
    throw error;
  });
  const info = existing === undefined ? await jsm.consumers.add(options.stream, config) : await jsm.consumers.update(options.stream, options.consumer, { ack_wait: config.ack_wait, max_ack_pending: config.max_ack_pending, max_deliver: config.max_deliver, filter_subject: config.filter_subject });
  const got = info.config;
  if (got.ack_policy !== AckPolicy.Explicit) throw new Error(`consumer ${options.consumer} on ${options.stream} acknowledges ${got.ack_policy}, not explicitly; delete it or choose another name`);
  if (got.filter_subject !== options.subject) throw new Error(`consumer ${options.consumer} on ${options.stream} filters ${got.filter_subject ?? 'nothing'}, not ${options.subject}`);
  if (got.ack_wait !== config.ack_wait) log.warn(`nats: consumer ${options.consumer} has ack_wait ${(got.ack_wait ?? 0) / 1e6} ms, not ${options.ack_wait} ms`);
  log.info(`nats: ${existing ? 'resuming' : 'created'} consumer ${options.consumer} on ${options.stream} (${info.num_pending} messages waiting, ${info.num_ack_pending} unacknowledged)`);
  return info;
}
