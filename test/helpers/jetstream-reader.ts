import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** Every message stored in a stream, read with an ordered consumer: data and headers, in stream order. */
export async function readStream(url: string, stream: string): Promise<{ seq: number; subject: string; data: Uint8Array; headers: Record<string, string> }[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const total = info.state.messages;
    const name = `reader_${Date.now()}`;
    await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.None });
    const consumer = await jetstream(nc).consumers.get(stream, name);
    const out: { seq: number; subject: string; data: Uint8Array; headers: Record<string, string> }[] = [];
    while (out.length < total) {
      const batch = await consumer.fetch({ max_messages: 500, expires: 2_000 });
      let got = 0;
      for await (const m of batch) {
        got++;
        const headers: Record<string, string> = {};
        for (const [key, values] of m.headers ?? []) headers[key] = values[0];
        out.push({ seq: m.seq, subject: m.subject, data: m.data, headers });
      }
      if (got === 0) break;
    }
    await jsm.consumers.delete(stream, name);
    return out;
  } finally {
    await nc.close();
  }
}
