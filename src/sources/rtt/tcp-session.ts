import net from 'node:net';
import { bytesBatch, type Batch } from '../../core/batch.js';
import { withTimeout } from '../../core/backoff.js';
import type { ComponentContext } from '../../core/component.js';
import { followFlow } from '../../core/follow-flow.js';
import { parseListen } from '../../core/options.js';
import type { Session } from '../../core/reconnect.js';
import type { RttOptions } from './options.js';

/** A banner longer than this is not a banner: the rest is passed on as data and counted. */
const MAX_BANNER_BYTES = 4096;

export interface TcpRttSession extends Session {
  readonly socket: net.Socket;
}

/**
 * A connection to an RTT TCP server: OpenOCD's `rtt server` (raw channel bytes), J-Link's telnet
 * port 19021 (a few banner lines first; a `$$SEGGER_TELNET_ConfigStr=...$$` sent at once picks the
 * channel), pyOCD, probe-rs, or another pipeline's relay. Skips `skip_banner` lines, then emits
 * every byte; reading follows flow control, so a paused pipeline lets the server's buffers fill.
 */
export async function openTcpSession(options: RttOptions, context: ComponentContext, emit: (batch: Batch) => void): Promise<TcpRttSession> {
  const { host, port } = parseListen(options.address);
  const socket = net.connect({ host, port });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  await withTimeout(connected, options.connect_timeout, `connecting to ${host}:${port}`, () => socket.destroy());
  socket.removeAllListeners('error');
  socket.setNoDelay(true);
  if (options.telnet_config !== undefined) socket.write(`$$SEGGER_TELNET_ConfigStr=${options.telnet_config}$$`);
  if (options.write?.on_connect !== undefined) socket.write(options.write.on_connect);

  let linesLeft = options.skip_banner;
  let bannerBytes = 0;
  const stopFollowing = followFlow(context.flow, socket);
  socket.on('data', (chunk: Buffer) => {
    while (linesLeft > 0 && chunk.length > 0) {
      const newline = chunk.indexOf(0x0a);
      const take = newline < 0 ? chunk.length : newline + 1;
      bannerBytes += take;
      if (bannerBytes > MAX_BANNER_BYTES) {
        context.metrics.error('banner_too_long');
        context.log.warn(`rtt: more than ${MAX_BANNER_BYTES} bytes without the ${options.skip_banner} banner lines expected; passing the rest on as data`);
        linesLeft = 0;
        break;
      }
      chunk = chunk.subarray(take);
      if (newline >= 0) linesLeft--;
      context.metrics.count('banner_bytes', take);
    }
    if (chunk.length > 0) {
      context.metrics.count('bytes', chunk.length);
      emit(bytesBatch(context.id, chunk, context.clock.nowNs()));
    }
  });
  let lastError: Error | undefined;
  socket.on('error', (error) => (lastError = error));
  const ended = new Promise<Error | undefined>((resolve) =>
    socket.once('close', () => {
      stopFollowing();
      resolve(lastError);
    }),
  );
  return { socket, ended, close: () => socket.destroy() };
}
