import { randomBytes } from 'node:crypto';

/**
 * Headers of a records message between pipelines. The central side uses them to remove redeliveries
 * (node, run, seq), to start a new file when the schema changes (schema) and to fill the `node`
 * column, without decoding the message first.
 */
export const MESSAGE_HEADERS = Object.freeze({
  node: 'Tm-Node',
  run: 'Tm-Run',
  seq: 'Tm-Seq',
  schema: 'Tm-Schema',
  rows: 'Tm-Rows',
  stream: 'Tm-Stream',
});

/** An id for one run of a publishing pipeline: a restarted node starts a new sequence under a new run. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Nats-Msg-Id of a message: the broker stores a retried publish with the same id once. */
export function messageId(node: string, run: string, seq: number): string {
  return `${node}-${run}-${seq}`;
}
