import type { Socket } from 'node:net';
import { bytesBatch, type Batch } from '../../core/batch.js';
import type { ComponentContext } from '../../core/component.js';
import { followFlow } from '../../core/follow-flow.js';
import type { TcpOptions } from './options.js';

/**
 * Wires one connected socket into the pipeline (client and server alike): reads become Bytes batches
 * tagged `streamId`, reading follows flow control, keepalive and the idle timeout are set, and
 * `on_connect` is sent. Resolves `ended` with the reason when the socket closes.
 */
export function attachSocket(socket: Socket, streamId: string, options: TcpOptions, context: ComponentContext, emit: (batch: Batch) => void): Promise<Error | undefined> {
  socket.setNoDelay(true);
  if (options.keepalive > 0) socket.setKeepAlive(true, options.keepalive);
  // A paused socket reads nothing, so the idle timer is off while paused or it would fire falsely.
  const stopFollowing = followFlow(context.flow, {
    pause: () => {
      socket.pause();
      socket.setTimeout(0);
    },
    resume: () => {
      socket.setTimeout(options.idle_timeout);
      socket.resume();
    },
  });
  let lastError: Error | undefined;
  socket.on('timeout', () => {
    context.metrics.error('idle_timeout');
    socket.destroy(new Error(`no data for ${options.idle_timeout} ms (idle_timeout)`));
  });
  socket.on('data', (chunk: Buffer) => emit(bytesBatch(streamId, chunk, context.clock.nowNs())));
  socket.on('error', (error) => (lastError = error));
  if (options.on_connect !== undefined) socket.write(options.on_connect);
  return new Promise((resolve) =>
    socket.once('close', () => {
      stopFollowing();
      resolve(lastError);
    }),
  );
}
