import net from 'node:net';
import type { Batch } from '../../core/batch.js';
import { withTimeout } from '../../core/backoff.js';
import type { ComponentContext } from '../../core/component.js';
import type { Session } from '../../core/reconnect.js';
import type { TcpOptions } from './options.js';
import { attachSocket } from './socket.js';

/** A connected client socket feeding the pipeline until it closes. */
export interface ClientSession extends Session {
  readonly socket: net.Socket;
}

/** Connects to `host:port` within `connect_timeout` and feeds the socket into the pipeline. */
export async function connectClient(options: TcpOptions, context: ComponentContext, emit: (batch: Batch) => void): Promise<ClientSession> {
  const socket = net.connect({ host: options.host, port: options.port });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await withTimeout(connected, options.connect_timeout, `connecting to ${options.host}:${options.port}`, () => socket.destroy());
  socket.removeAllListeners('error');
  const ended = attachSocket(socket, context.id, options, context, emit);
  return { socket, ended, close: () => socket.destroy() };
}
