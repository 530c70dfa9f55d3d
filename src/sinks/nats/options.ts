import { z } from 'zod';
import { backoffOption } from '../../core/backoff.js';
import { byteSizeOption, duration } from '../../core/options.js';

const PLACEHOLDERS = ['pipeline', 'node', 'stream'];

export const natsSinkOptions = z.strictObject({
  url: z.string().default('nats://127.0.0.1:4222').meta({ description: 'NATS server to publish to.', examples: ['nats://127.0.0.1:4222', 'nats://broker.lab:4222'] }),
  stream: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a stream name is 1-64 letters, digits, _ or -')
    .default('TELEMETRY')
    .meta({ description: 'JetStream stream that stores the messages (created with file storage when missing and `create_stream` is true).', examples: ['TELEMETRY', 'TESTBED'] }),
  subject: z
    .string()
    .max(200)
    .default('tm.{pipeline}.{node}.{stream}')
    .superRefine((value, ctx) => {
      for (const [, name] of value.matchAll(/\{([^}]*)\}/g)) if (!PLACEHOLDERS.includes(name)) ctx.addIssue({ code: 'custom', message: `unknown placeholder {${name}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})` });
      if (/[\s*>]/.test(value.replace(/\{[^}]*\}/g, 'x'))) ctx.addIssue({ code: 'custom', message: 'a subject template cannot hold spaces or wildcards' });
    })
    .meta({ description: 'Subject of each message: {pipeline} (the pipeline name), {node} and {stream} (the batch\'s source) are filled in.', examples: ['tm.{pipeline}.{node}.{stream}', 'lab.{node}'] }),
  node: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a node name is 1-64 letters, digits, _ or -')
    .optional()
    .meta({ description: 'Name of this node in headers, subjects and the central `node` column (default: the host name).', examples: ['node-07', 'bench-a'] }),
  create_stream: z.boolean().default(true).meta({ description: 'Create the stream when it does not exist; false fails the run instead.', examples: [true, false] }),
  duplicate_window: duration()
    .prefault('2m')
    .meta({ description: 'Window in which the broker stores a retried publish once (only used when creating the stream).', examples: ['2m', '10m'] }),
  max_message_bytes: byteSizeOption()
    .prefault('512KiB')
    .refine((n) => n >= 4096 && n <= 8 * 1024 * 1024, 'must be between 4KiB and 8MiB (and below the server\'s max_payload, 1MiB by default)')
    .meta({ description: 'Largest message; batches are split by rows to stay below it. Keep it well below the server\'s max_payload.', examples: ['512KiB', '256KiB'] }),
  linger: duration()
    .prefault('100ms')
    .meta({ description: 'Longest a batch waits to be joined with the next ones of its source into one larger message (up to three quarters of max_message_bytes): fewer, larger messages cost the node and the central less per row. 0 publishes every batch as it comes.', examples: ['100ms', 0] }),
  max_in_flight: z.number().int().min(1).max(1024).default(32).meta({ description: 'Publishes awaiting their acknowledgement at once; beyond that the sink waits (and `when_full` applies).', examples: [32, 128] }),
  ack_timeout: duration()
    .prefault('5s')
    .meta({ description: 'How long to wait for the broker\'s acknowledgement before publishing again (same message id, so stored once).', examples: ['5s', '2s'] }),
  close_timeout: duration()
    .prefault('30s')
    .meta({ description: 'At stop, how long to wait for outstanding acknowledgements before failing with the count of unacknowledged messages.', examples: ['30s', '2m'] }),
  backoff: backoffOption(),
});

export type NatsSinkOptions = z.output<typeof natsSinkOptions>;

/** The subject for one message. */
export function renderSubject(template: string, values: Record<(typeof PLACEHOLDERS)[number], string>): string {
  return template.replace(/\{(pipeline|node|stream)\}/g, (_, name: string) => values[name]);
}

/**
 * The subjects a stream created for this template captures: everything under the literal tokens
 * before the first placeholder (`tm.{pipeline}.{node}.{stream}` gives `tm.>`), so a central
 * consumer can filter with `tm.>` and templates may change without a new stream.
 */
export function streamSubject(template: string): string {
  const tokens = template.split('.');
  const firstPlaceholder = tokens.findIndex((t) => t.includes('{'));
  if (firstPlaceholder === -1) return template;
  if (firstPlaceholder === 0) return '>';
  return [...tokens.slice(0, firstPlaceholder), '>'].join('.');
}
