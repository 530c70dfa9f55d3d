import { stat } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { bytesBatch, type Batch } from '../../core/batch.js';
import { withTimeout } from '../../core/backoff.js';
import type { ComponentContext } from '../../core/component.js';
import { followFlow } from '../../core/follow-flow.js';
import type { Session } from '../../core/reconnect.js';
import type { SerialOptions } from './options.js';

/** How often an open port's device node and idle time are checked. */
export const WATCH_INTERVAL_MS = 250;

/** An open serial port feeding the pipeline until it is lost or closed. */
export interface SerialSession extends Session {
  readonly port: SerialPort;
}

/**
 * Opens `path` with the configured line settings (within `open_timeout`), sends `on_connect`, and
 * emits every read as a Bytes batch stamped with its host receive time. Reading follows the
 * pipeline's flow control: paused, the port stops reading and the kernel buffer and RTS/CTS (when on)
 * hold the device off.
 */
export async function openSerialSession(path: string, options: SerialOptions, context: ComponentContext, emit: (batch: Batch) => void): Promise<SerialSession> {
  const port = new SerialPort({
    path,
    baudRate: options.baud_rate,
    dataBits: options.data_bits,
    parity: options.parity,
    stopBits: options.stop_bits,
    rtscts: options.rtscts,
    xon: options.xon,
    xoff: options.xon,
    highWaterMark: options.read_buffer,
    autoOpen: false,
  });
  const opened = new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  // A port that opens after its timeout is closed at once so it does not hold the device.
  await withTimeout(opened, options.open_timeout, `opening ${path}`, () => opened.then(() => port.close(), () => undefined));

  let ended!: (reason: Error | undefined) => void;
  const endedPromise = new Promise<Error | undefined>((resolve) => (ended = resolve));
  const stopFollowing = followFlow(context.flow, port);
  let lastError: Error | undefined;
  let lastDataMs = Date.now();
  port.on('data', (chunk: Buffer) => {
    lastDataMs = Date.now();
    emit(bytesBatch(context.id, chunk, context.clock.nowNs()));
  });
  const lose = (reason: Error) => {
    lastError = reason;
    if (port.isOpen) port.close(() => undefined);
  };
  // After a hangup (USB unplug, pty closed) Linux may answer reads with 0 bytes instead of an error,
  // which the port binding retries forever; so the source also watches the device node and the data.
  const watchdog = setInterval(() => {
    stat(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') lose(new Error(`${path} disappeared (device unplugged?)`));
    });
    if (options.idle_timeout > 0 && !context.flow.paused && Date.now() - lastDataMs > options.idle_timeout) {
      context.metrics.error('idle_timeout');
      lose(new Error(`no data for ${options.idle_timeout} ms (idle_timeout)`));
    }
  }, WATCH_INTERVAL_MS);
  // Time spent paused is not idle time.
  const idleReset = context.flow.paused$.subscribe(() => (lastDataMs = Date.now()));
  port.on('error', (error: Error) => {
    lastError = error;
    context.metrics.error('io');
    // An error on an open port is followed by close in most cases; make sure it ends the session.
    if (port.isOpen) port.close(() => undefined);
    else finish(error);
  });
  port.on('close', (error?: Error) => finish(error ?? lastError));
  function finish(reason: Error | undefined): void {
    clearInterval(watchdog);
    stopFollowing();
    idleReset.unsubscribe();
    ended(reason);
  }
  if (options.on_connect !== undefined) port.write(options.on_connect);
  return {
    port,
    ended: endedPromise,
    close: () => {
      if (port.isOpen) port.close(() => undefined);
      else finish(undefined);
    },
  };
}
