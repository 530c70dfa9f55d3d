import { z } from 'zod';
import { backoffOption } from '../../core/backoff.js';
import { byteSizeOption, duration } from '../../core/options.js';

export const natsSourceOptions = z.strictObject({
  url: z.string().default('nats://127.0.0.1:4222').meta({ description: 'NATS server to read from.', examples: ['nats://127.0.0.1:4222'] }),
  stream: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a stream name is 1-64 letters, digits, _ or -')
    .default('TELEMETRY')
    .meta({ description: 'JetStream stream the nodes publish to (created when missing, as the nats sink does).', examples: ['TESTBED'] }),
  subject: z
    .string()
    .max(200)
    .default('tm.>')
    .meta({ description: 'Subjects to read, wildcards allowed (one filter: servers before 2.10 take one).', examples: ['tm.>', 'tm.testbed.*.*'] }),
  consumer: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a consumer name is 1-64 letters, digits, _ or -')
    .default('central')
    .meta({ description: 'Durable consumer name: a restarted pipeline goes on where this one stopped.', examples: ['central', 'recorder-a'] }),
  ack_wait: duration()
    .prefault('30s')
    .meta({ description: 'Time the broker waits for an acknowledgement before redelivering; progress is signalled while rows wait for the disk.', examples: ['30s', '1m'] }),
  max_ack_pending: z.number().int().min(1).max(100_000).default(1000).meta({ description: 'Messages delivered and not yet acknowledged; the broker stops delivering at this count.', examples: [1000, 4000] }),
  max_deliver: z.number().int().min(1).max(100).default(5).meta({ description: 'Deliveries of one message before it is moved to the dead-letter subject instead of redelivered again.', examples: [5, 10] }),
  dead_letter: z
    .string()
    .max(200)
    .default('tm-dead.{stream}')
    .meta({ description: 'Subject that messages which cannot be read are moved to, with their headers and a Tm-Error header; {stream} is the stream name. A stream <stream>_DEAD is created to keep them.', examples: ['tm-dead.{stream}'] }),
  max_message_bytes: byteSizeOption()
    .prefault('8MiB')
    .refine((n) => n >= 1024 && n <= 64 * 1024 * 1024, 'must be between 1KiB and 64MiB')
    .meta({ description: 'Largest message decoded; a larger one is moved to the dead-letter subject (counted as dead_letter_too_large), so a peer cannot make the pipeline decode without bound.', examples: ['8MiB', '2MiB'] }),
  fetch_max: z.number().int().min(1).max(10_000).default(256).meta({ description: 'Most messages one pull brings (also bounded by max_ack_pending and fetch_bytes).', examples: [256, 64] }),
  fetch_bytes: byteSizeOption()
    .prefault('8MiB')
    .refine((n) => n >= 64 * 1024 && n <= 64 * 1024 * 1024, 'must be between 64KiB and 64MiB (the server closes a connection with more than its max_pending, 64MiB by default, queued)')
    .meta({ description: "Most bytes one pull brings (raised to the server's max_payload if smaller, so every message fits). The server queues a whole pull on the connection at once; keep it well below its max_pending (64MiB) and the buffer.max_bytes of the sinks downstream.", examples: ['8MiB', '2MiB'] }),
  ack_interval: duration()
    .prefault('200ms')
    .meta({ description: 'How often rows that reached every sink are made durable and their messages acknowledged.', examples: ['200ms', '1s'] }),
  backoff: backoffOption(),
});

export type NatsSourceOptions = z.output<typeof natsSourceOptions>;
