import type { JetStreamClient } from '@nats-io/jetstream';
import { backoffDelayMs } from '../../core/backoff.js';
import { sleep } from '../../core/sleep.js';
import type { ComponentContext } from '../../core/component.js';
import type { NatsSinkOptions } from './options.js';

/** One message ready to publish. */
export interface OutgoingMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly rows: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Nats-Msg-Id: the same on every retry, so the broker stores the message once. */
  readonly id: string;
}

/**
 * Keeps up to `max_in_flight` publishes awaiting their acknowledgement. `send` resolves as soon as
 * the message is in flight (so the device is paused only when the window is full); a publish that
 * times out or finds the broker away is sent again with the same id, with backoff, until it is
 * acknowledged or the sink closes. Nothing is given up silently: `drain` fails with the count of
 * messages the broker never acknowledged.
 */
export class PublishWindow {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  private readonly giveUp = new AbortController();
  private unacked = { messages: 0, rows: 0 };
  private outage = false;

  constructor(
    private readonly js: () => Promise<JetStreamClient>,
    private readonly options: NatsSinkOptions,
    private readonly context: ComponentContext,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.inFlight.size >= this.options.max_in_flight) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
    this.unacked.messages++;
    this.unacked.rows += message.rows;
    const task = this.publish(message).then(
      () => {
        this.unacked.messages--;
        this.unacked.rows -= message.rows;
      },
      (error: Error) => {
        this.failure ??= error;
      },
    );
    const tracked = task.finally(() => {
      this.inFlight.delete(tracked);
      this.context.metrics.gauge('in_flight', this.inFlight.size);
    });
    this.inFlight.add(tracked);
    this.context.metrics.gauge('in_flight', this.inFlight.size);
  }

  /**
   * Resolves when every message sent so far is acknowledged by the broker (retries included); throws
   * the failure of one that was refused. The durability path waits on this, so a pipeline that
   * forwards to another broker acknowledges its own input only once that broker has the rows.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
  }

  /** Waits for every outstanding acknowledgement, at most `close_timeout`. */
  async drain(): Promise<void> {
    const all = Promise.all(this.inFlight);
    const timer = new AbortController();
    const inTime = await Promise.race([all.then(() => true), sleep(this.options.close_timeout, { signal: timer.signal, scheduler: this.context.scheduler }).then(() => false)]);
    timer.abort();
    if (!inTime) {
      this.giveUp.abort();
      await all;
      throw new Error(`${this.unacked.messages} messages (${this.unacked.rows} rows) were not acknowledged by the broker within close_timeout (${this.options.close_timeout} ms); keep a local recording on nodes that must not lose data`);
    }
    if (this.failure) throw this.failure;
  }

  private async publish(message: OutgoingMessage): Promise<void> {
    const { metrics, log } = this.context;
    const js = await this.js();
    const { headers } = await import('@nats-io/transport-node');
    const h = headers();
    for (const [key, value] of Object.entries(message.headers)) h.set(key, value);
    for (let attempt = 0; ; attempt++) {
      try {
        const ack = await js.publish(message.subject, message.data, { msgID: message.id, headers: h, timeout: this.options.ack_timeout });
        if (ack.duplicate) metrics.count('duplicate_publishes');
        metrics.count('acked_messages');
        metrics.count('acked_rows', message.rows);
        if (this.outage) log.info('nats: the broker acknowledges publishes again');
        this.outage = false;
        return;
      } catch (error) {
        if (this.giveUp.signal.aborted) throw error;
        if (isPermanent(error as Error)) throw new Error(`nats: publish to ${message.subject} refused: ${(error as Error).message}`, { cause: error });
        metrics.count('publish_retries');
        if (!this.outage) log.warn(`nats: publish not acknowledged (${(error as Error).message}); retrying with the same message id`);
        this.outage = true;
        await sleep(backoffDelayMs(Math.min(attempt, 20), this.options.backoff), { signal: this.giveUp.signal, scheduler: this.context.scheduler });
      }
    }
  }
}

/** Errors no retry can fix: the message itself is refused. */
function isPermanent(error: Error): boolean {
  return /max_payload|maximum message size|invalid subject|message size exceeds/i.test(error.message);
}
