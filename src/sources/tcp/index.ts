import { declareMetrics } from '../../core/metrics.js';
import type net from 'node:net';
import { defineSource } from '../../core/component.js';
import { DEVICE_WRITER_METRICS, offerSessionWriter, type SessionTarget } from '../../core/device-writers.js';
import { RECONNECT_METRICS, reconnectingSource } from '../../core/reconnect.js';
import { connectClient } from './client.js';
import { tcpOptions } from './options.js';
import { listenServer } from './server.js';

/**
 * Reads a byte stream over TCP. As a client (a link server, a device's TCP port, `pipeline simulate
 * --tcp`) it connects with a timeout, closes idle connections and reconnects with backoff and jitter,
 * counting `reconnects`, `disconnects` and `disconnected_ms`. As a server it takes several devices,
 * each connection a sub-stream whose Bytes batches carry `<id>#<peer>` as their source. Bytes from a
 * relay sink with `write_through` go to the connected device (server: to every connected peer).
 */
export const tcpSource = defineSource({
  type: 'tcp',
  metrics: declareMetrics(RECONNECT_METRICS, DEVICE_WRITER_METRICS, { errors: { idle_timeout: 'events', rejected_connections: 'connections' }, counters: { connections: 'connections' }, gauges: { clients: 'clients', port: 'port' } }),
  summary: 'Reads bytes over TCP as a client (with reconnect) or as a server (one sub-stream per peer).',
  options: tcpOptions,
  output: 'bytes',
  capabilities: { writable: true },
  create(options, context) {
    let targets: () => Iterable<net.Socket> = () => [];
    offerSessionWriter(context, () => {
      const sockets = [...targets()].filter((s) => !s.destroyed);
      if (sockets.length === 0) return undefined;
      return sockets.length === 1 ? sockets[0] : allSockets(sockets);
    });
    const address = `${options.host}:${options.port}`;
    return reconnectingSource(context, {
      describe: () => (options.mode === 'client' ? `tcp ${address}` : `tcp server on ${address}`),
      backoff: options.backoff,
      retry: options.retry,
      connectedAs: options.mode === 'server' ? 'listening' : 'connected',
      async connect(emit) {
        if (options.mode === 'server') {
          const session = await listenServer(options, context, emit);
          targets = () => session.clients;
          return session;
        }
        const session = await connectClient(options, context, emit);
        targets = () => [session.socket];
        return session;
      },
    });
  },
  examples: [{ title: 'Text lines from a device server, reconnecting with backoff', yaml: `
sources: { link: { type: tcp, host: 127.0.0.1, port: 5555, backoff: { initial: 200ms, max: 5s } } }
transforms:
  lines: { inputs: [link], steps: [ { type: frame, format: lines } ] }
sinks: { console: { type: stdout, inputs: [lines], format: jsonl } }
` }],
});

/**
 * Server mode writes to every connected peer; what waits is the slowest peer's backlog, and the
 * writer has drained when that peer has (the next write looks again).
 */
function allSockets(sockets: readonly net.Socket[]): SessionTarget {
  const slowest = () => sockets.reduce((a, b) => (b.writableLength > a.writableLength ? b : a));
  const target = slowest();
  return {
    write: (data: Buffer) => sockets.forEach((s) => s.write(data)),
    get writableLength() {
      return slowest().writableLength;
    },
    get writableNeedDrain() {
      return slowest().writableNeedDrain;
    },
    once: (event, listener) => target.once(event, listener),
    off: (event, listener) => target.off(event, listener),
  };
}
