import type { JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';

export interface StreamRequirements {
  readonly name: string;
  /** Subjects a stream created here captures, e.g. `tm.>`. */
  readonly subjects: readonly string[];
  /** A concrete subject of this component's messages, which the stream must capture (found or created). */
  readonly probe: string;
  /** Create the stream (file storage) when it does not exist. */
  readonly create: boolean;
  /** Window in which a repeated Nats-Msg-Id is stored once, ms. */
  readonly duplicateWindowMs: number;
}

/**
 * Finds or creates a JetStream stream and reads its config back: a server may ignore fields it does
 * not know, so what matters is what it reports. A stream on memory storage or with a duplicate window
 * shorter than asked is kept (it is the operator's) but warned about, since both can lose or duplicate
 * data across a broker restart or a long retry.
 */
export async function ensureStream(jsm: JetStreamManager, want: StreamRequirements, log: Logger): Promise<void> {
  // The NATS client loads when the component starts, not with its definition (`validate`, `list`).
  const [{ StorageType }, { nanos }] = await Promise.all([import('@nats-io/jetstream'), import('@nats-io/transport-node')]);
  let info = await jsm.streams.info(want.name).catch((error: Error) => {
    if (/not found/i.test(error.message)) return undefined;
    throw error;
  });
  if (info === undefined) {
    if (!want.create) throw new Error(`JetStream stream "${want.name}" does not exist (set create_stream: true, or create it with the subjects ${want.subjects.join(', ')})`);
    info = await jsm.streams.add({ name: want.name, subjects: [...want.subjects], storage: StorageType.File, duplicate_window: nanos(want.duplicateWindowMs) });
    log.info(`nats: created stream ${want.name} for ${want.subjects.join(', ')}`);
  }
  const config = info.config;
  if (config.storage !== StorageType.File) log.warn(`nats: stream ${want.name} keeps messages in memory; a broker restart loses what is not yet consumed`);
  const windowMs = (config.duplicate_window ?? 0) / 1e6;
  if (windowMs < want.duplicateWindowMs) log.warn(`nats: stream ${want.name} removes repeated publishes only within ${windowMs} ms (asked ${want.duplicateWindowMs} ms)`);
  const owner = await jsm.streams.find(want.probe).catch(() => undefined);
  if (owner !== want.name) throw new Error(`JetStream stream "${want.name}" (subjects ${config.subjects?.join(', ') || 'none'}) does not capture ${want.probe}${owner ? ` (stream "${owner}" does)` : ''}; add the subject to the stream or change the subject template`);
}
