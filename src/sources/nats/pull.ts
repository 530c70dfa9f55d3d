import type { FetchOptions } from '@nats-io/jetstream';

/**
 * How much one pull asks for. The server answers a pull by queueing every message it grants on the
 * connection at once, and closes a connection whose queue passes its max_pending (64 MiB by default)
 * as a slow consumer: with a backlog of 400 KiB messages, a pull of 256 messages (100 MiB) did that
 * every time, and the messages it had granted came again only after ack_wait. So a pull is bounded
 * by bytes as well as by messages. The client takes one bound or the other, not both, and caps a pull
 * by bytes at {@link CLIENT_BYTES_PULL_MESSAGES} messages, so both bounds hold this way:
 * - few enough messages that even at the largest size the server accepts they fit in the bytes: by messages;
 * - at least as many messages as the client's cap: by bytes;
 * - in between: by messages, as many as fit in the bytes at the largest size.
 */
export const CLIENT_BYTES_PULL_MESSAGES = 100;

/** What a delivered message adds to its payload and headers on the wire (subject, reply with its metadata). */
const DELIVERY_OVERHEAD_BYTES = 4096;

export interface PullBounds {
  /** Messages the pull may bring: the option's count and the room left below max_ack_pending. */
  readonly messages: number;
  /** Bytes the pull may bring (the `fetch_bytes` option). */
  readonly bytes: number;
  /** The server's max_payload: no message it stores is larger (headers included). */
  readonly maxPayload: number;
}

/** The fetch options of one pull within `bounds`; a pull by bytes never refuses a message the server could store. */
export function pullOptions(bounds: PullBounds, expires: number): FetchOptions {
  const largest = bounds.maxPayload + DELIVERY_OVERHEAD_BYTES;
  const bytes = Math.max(bounds.bytes, largest);
  const messages = Math.max(1, bounds.messages);
  const fitting = Math.max(1, Math.floor(bytes / largest));
  if (messages <= fitting) return { max_messages: messages, expires };
  if (messages >= CLIENT_BYTES_PULL_MESSAGES) return { max_bytes: bytes, expires };
  return { max_messages: fitting, expires };
}

/**
 * A pull by bytes ends with status 409 "message size exceeds maxbytes" when the next message does not
 * fit in what is left of it (nats-server 2.9), and the client's fetch then rejects: the normal end of
 * a full pull, not an interruption.
 */
export function isPullFull(error: unknown): boolean {
  return error instanceof Error && /message size exceeds maxbytes/i.test(error.message);
}
