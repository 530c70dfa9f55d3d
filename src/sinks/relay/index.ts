import net from 'node:net';
import { z } from 'zod';
import type { Batch } from '../../core/batch.js';
import { required } from '../../core/capabilities.js';
import { defineSink } from '../../core/component.js';
import { byteSizeOption, parseListen } from '../../core/options.js';
import { RelayClient } from './client.js';
import { WriteThrough } from './write-through.js';

const relayOptions = z.strictObject({
  listen: z
    .string()
    .default('127.0.0.1:2000')
    .meta({ description: 'Address to serve the byte stream on (loopback by default; port 0 picks a free one, shown in the log and the `port` gauge).', examples: ['127.0.0.1:2000', ':2000'] }),
  max_clients: z.number().int().positive().default(16).meta({ description: 'Clients served at once; more are refused and counted (`rejected_clients`).', examples: [16, 4] }),
  client_buffer: byteSizeOption()
    .prefault('1MiB')
    .meta({ description: 'Bytes queued per client beyond its socket buffer before `client_policy` applies.', examples: ['1MiB', '64KiB'] }),
  client_policy: z
    .enum(['drop_newest', 'drop_oldest', 'disconnect'])
    .default('drop_newest')
    .meta({ description: 'What a client that falls behind loses: the newest bytes, the oldest queued bytes, or its connection. Counted per sink as `client_dropped_bytes`.', examples: ['drop_newest', 'disconnect'] }),
  banner: z
    .string()
    .max(1024)
    .optional()
    .meta({ description: 'A line sent to each client as it connects, before any data (like OpenOCD\'s `rtt server start PORT CHANNEL MESSAGE`); a newline is added.', examples: ['telemetry-pipeline rtt relay'] }),
  write_through: z
    .string()
    .optional()
    .meta({ description: 'Name of a source (serial, tcp or rtt) to send bytes from clients to, so tools can talk to the device through the relay.', examples: ['node'] }),
  write_through_buffer: byteSizeOption()
    .prefault('256KiB')
    .meta({ description: 'Bytes from clients waiting for the device above which clients are paused (TCP backpressure) until the device takes them; bounds memory when the device reads slowly or not at all.', examples: ['256KiB', '1MiB'] }),
});

/**
 * Serves the byte stream it receives to any number of TCP clients, like ser2net or a link server
 * that lets several tools share one device. Each client has its own bounded queue and drop policy, so
 * a slow tool never slows the device or the others; with `write_through`, bytes from clients go to
 * the named source's device: the sink declares that it writes to the source `write_through` names,
 * `validate` checks that source can write, and the runner links the two (src/core/capabilities.ts).
 */
export const relaySink = defineSink({
  type: 'relay',
  metrics: { errors: { write_through_unavailable: 'bytes', rejected_clients: 'clients' }, counters: { written_through_bytes: 'bytes', client_dropped_bytes: 'bytes', clients_connected: 'clients', write_through_refused_bytes: 'bytes', write_through_pauses: 'events' }, gauges: { clients: 'clients', port: 'port', write_through_pending_bytes: 'bytes' } },
  summary: 'Serves the byte stream to TCP clients (per-client drop policy), optionally writing client bytes to the device.',
  options: relayOptions,
  input: ['bytes', 'frames'],
  defaultWhenFull: 'drop_newest',
  capabilities: { writesTo: 'write_through' },
  async create(options, context) {
    const { log, metrics } = context;
    const { host, port } = parseListen(options.listen);
    const clients = new Set<RelayClient>();
    const writeThrough = options.write_through === undefined ? undefined : new WriteThrough(required(context.device, context.id, '`writesTo: write_through`'), options.write_through_buffer, context);

    const server = net.createServer((socket) => {
      const peer = `${socket.remoteAddress}:${socket.remotePort}`;
      const client = new RelayClient(socket, peer, options.client_buffer, options.client_policy, {
        dropped(bytes, first) {
          metrics.count('client_dropped_bytes', bytes);
          if (first) log.warn({ peer }, `relay: client ${peer} is too slow; dropping (${options.client_policy})`);
        },
      });
      clients.add(client);
      metrics.count('clients_connected');
      metrics.gauge('clients', clients.size);
      log.info({ peer }, `relay: client ${peer} connected`);
      if (options.banner !== undefined) socket.write(`${options.banner}\n`);
      // Without write_through, what clients send is read and ignored (a socket that is never read would stall).
      if (writeThrough) writeThrough.attach(socket);
      else socket.resume();
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clients.delete(client);
        metrics.gauge('clients', clients.size);
        log.info({ peer, dropped_bytes: client.droppedBytes }, `relay: client ${peer} disconnected`);
      });
    });
    server.maxConnections = options.max_clients;
    server.on('drop', () => metrics.error('rejected_clients'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new Error(`${context.id}: relay cannot listen on ${options.listen}: ${error.message}`)));
      server.listen(port, host, () => resolve());
    });
    const bound = server.address() as net.AddressInfo;
    metrics.gauge('port', bound.port);
    log.info(`relay serving on ${bound.address}:${bound.port}`);

    return {
      write(batch: Batch) {
        const data = bytesOf(batch);
        if (data === undefined) return;
        for (const client of clients) client.send(data);
      },
      async close() {
        // Clients get what is already queued for them, but one that does not read cannot hold the run open.
        for (const client of clients) {
          client.socket.end();
          setTimeout(() => client.socket.destroy(), 1000).unref();
        }
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  },
  examples: [{ title: 'Shares one serial device with several PC tools; their writes go to the device', yaml: `
sources: { link: { type: serial, path: /dev/ttyACM0, baud_rate: 921600 } }
sinks: { share: { type: relay, inputs: [link], listen: 127.0.0.1:2000, max_clients: 4, write_through: link } }
` }],
});

/** The bytes a batch carries on the wire: Bytes as they are, Frames back to back. */
function bytesOf(batch: Batch): Buffer | undefined {
  if (batch.kind === 'bytes') return batch.data;
  if (batch.kind !== 'frames' || batch.count === 0) return undefined;
  const first = batch.offsets[0];
  const last = batch.count - 1;
  const end = batch.offsets[last] + batch.lengths[last];
  // Frames from one read are usually contiguous; then the span is a view, otherwise copy them out.
  let contiguous = true;
  for (let i = 1; i < batch.count && contiguous; i++) contiguous = batch.offsets[i] === batch.offsets[i - 1] + batch.lengths[i - 1];
  if (contiguous) return batch.buffer.subarray(first, end);
  return Buffer.concat(Array.from({ length: batch.count }, (_, i) => batch.buffer.subarray(batch.offsets[i], batch.offsets[i] + batch.lengths[i])));
}
