import net from 'node:net';
import type { Batch } from '../../core/batch.js';
import type { ComponentContext } from '../../core/component.js';
import type { Session } from '../../core/reconnect.js';
import type { TcpOptions } from './options.js';
import { attachSocket } from './socket.js';

export interface ServerSession extends Session {
  /** Open connections, for write-through. */
  readonly clients: ReadonlySet<net.Socket>;
}

/**
 * Listens on `host:port` and feeds each connection as its own sub-stream: its Bytes batches carry
 * the source `<id>#<peer address>:<peer port>`, so frame and decode state stays per connection and
 * the peer is known downstream. Connections beyond `max_connections` are refused and counted.
 */
export async function listenServer(options: TcpOptions, context: ComponentContext, emit: (batch: Batch) => void): Promise<ServerSession> {
  const { log, metrics } = context;
  const clients = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    clients.add(socket);
    metrics.count('connections');
    metrics.gauge('clients', clients.size);
    log.info({ peer }, `tcp ${peer} connected`);
    void attachSocket(socket, `${context.id}#${peer}`, options, context, emit).then((reason) => {
      clients.delete(socket);
      metrics.gauge('clients', clients.size);
      log.info({ peer, reason: reason?.message }, `tcp ${peer} disconnected`);
    });
  });
  server.maxConnections = options.max_connections;
  server.on('drop', (data) => {
    metrics.error('rejected_connections');
    log.warn({ peer: `${data?.remoteAddress}:${data?.remotePort}` }, `tcp server: refused a connection beyond max_connections (${options.max_connections})`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  metrics.gauge('port', address.port);
  log.info({ host: address.address, port: address.port }, `tcp server listening on ${address.address}:${address.port}`);
  const ended = new Promise<Error | undefined>((resolve) => {
    let lastError: Error | undefined;
    server.on('error', (error) => {
      lastError = error;
      server.close();
    });
    server.once('close', () => resolve(lastError));
  });
  return {
    clients,
    ended,
    close: () => {
      server.close();
      for (const socket of clients) socket.destroy();
    },
  };
}
