import { declareMetrics } from '../../core/metrics.js';
import { defineSource } from '../../core/component.js';
import { DEVICE_WRITER_METRICS, offerSessionWriter } from '../../core/device-writers.js';
import { RECONNECT_METRICS, reconnectingSource } from '../../core/reconnect.js';
import { describeMatch, resolvePortPath } from './match.js';
import { serialOptions } from './options.js';
import type { SerialSession } from './session.js';

/**
 * Reads a serial port (USB CDC, FTDI, CP210x, a debug probe's virtual COM port) as Bytes batches.
 * When the device disappears (unplugged, reset, EIO) the source logs it, retries with backoff and
 * jitter, and carries on when the path (or a port with the matching USB ids) is back; metrics
 * `reconnects`, `disconnects`, `disconnected_ms` and the gauges `connection` and `connected` show the
 * gap. Bytes written by a relay sink with `write_through` go to the port.
 */
export const serialSource = defineSource({
  type: 'serial',
  metrics: declareMetrics(RECONNECT_METRICS, DEVICE_WRITER_METRICS, { errors: { idle_timeout: 'events', io: 'events' } }),
  summary: 'Reads a serial port; reconnects with backoff when the device is unplugged or reset.',
  options: serialOptions,
  output: 'bytes',
  capabilities: { writable: true },
  create(options, context) {
    let current: SerialSession | undefined;
    let currentPath = options.path ?? describeMatch(options.match ?? {});
    offerSessionWriter(context, () => (current?.port.isOpen ? current.port : undefined));
    return reconnectingSource(context, {
      describe: () => `serial ${currentPath}`,
      backoff: options.backoff,
      retry: options.retry,
      async connect(emit) {
        currentPath = await resolvePortPath(options);
        // serialport (a native addon) loads at the first connect, not with the definition.
        const { openSerialSession } = await import('./session.js');
        const session = await openSerialSession(currentPath, options, context, emit);
        current = session;
        void session.ended.then(() => {
          if (current === session) current = undefined;
        });
        return session;
      },
    });
  },
  examples: [{ title: 'COBS frames from a USB serial adapter, started by a command after every connect', yaml: `
sources:
  link: { type: serial, path: /dev/serial/by-id/usb-1366_0105-if00, baud_rate: 921600, on_connect: "7B 10 00 7D" }
transforms:
  frames: { inputs: [link], steps: [ { type: frame, format: cobs } ] }
sinks: { console: { type: stdout, inputs: [frames], format: summary } }
` }],
});
