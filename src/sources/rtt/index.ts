import { defineSource } from '../../core/component.js';
import { DEVICE_WRITER_METRICS, type SessionTarget, offerSessionWriter } from '../../core/device-writers.js';
import { connectErrorReason, RECONNECT_METRICS, reconnectingSource } from '../../core/reconnect.js';
import { declareMetrics } from '../../core/metrics.js';
import { InvalidControlBlockError } from './control-block.js';
import { GDB_CLIENT_METRICS } from './gdb-client.js';
import { DownQueue } from './down-queue.js';
import { openGdbSession } from './gdb-session.js';
import { rttOptions } from './options.js';
import { openTcpSession } from './tcp-session.js';

/**
 * Reads a SEGGER RTT up channel from a running target. With `connect: gdb` it is a GDB remote
 * protocol client of any gdbserver (QEMU, OpenOCD, J-Link, pyOCD, probe-rs): it finds and validates
 * the control block, sets the channel mode, and polls adaptively, halting all-stop targets only for
 * each read (counted as `halted_ns`; the last access's in the gauge `halted_us`). A paused pipeline
 * stops polling (`paused_polling`), so block_if_full firmware waits. With `connect: tcp` it reads an
 * RTT TCP server. Both reconnect with backoff (`reconnects`),
 * count `bytes`, `polls`, `rescans` and `block_changes`, and write `write.on_connect` and a relay's
 * write-through to the down channel.
 */
export const rttSource = defineSource({
  type: 'rtt',
  metrics: declareMetrics(RECONNECT_METRICS, DEVICE_WRITER_METRICS, GDB_CLIENT_METRICS, {
    errors: { write_dropped_bytes: 'bytes', banner_too_long: 'events', invalid_control_block: 'events' },
    counters: { bytes: 'bytes', polls: 'polls', halted_ns: 'ns', rescans: 'events', block_changes: 'events', written_bytes: 'bytes', paused_polling: 'events', banner_bytes: 'bytes' },
    gauges: { halted_us: 'us' },
  }),
  summary: 'Reads a SEGGER RTT channel through a gdbserver (QEMU, OpenOCD, J-Link, pyOCD, probe-rs) or an RTT TCP server.',
  options: rttOptions,
  output: 'bytes',
  capabilities: { writable: true },
  create(options, context) {
    const downQueue = new DownQueue(options.write_buffer, context.metrics);
    let writer: SessionTarget | undefined;
    offerSessionWriter(context, () => writer);
    return reconnectingSource(context, {
      describe: () => `rtt ${options.connect} ${options.address}`,
      backoff: options.backoff,
      retry: options.retry,
      classify: (error) => (error instanceof InvalidControlBlockError ? 'invalid_control_block' : connectErrorReason(error)),
      async connect(emit, signal) {
        if (options.connect === 'tcp') {
          const session = await openTcpSession(options, context, emit);
          writer = session.socket;
          void session.ended.then(() => (writer = undefined));
          return session;
        }
        const session = await openGdbSession(options, context, emit, downQueue, signal);
        writer = downQueue;
        void session.ended.then(() => {
          downQueue.closed();
          if (writer === downQueue) writer = undefined;
        });
        return session;
      },
    });
  },
  examples: [{ title: 'Harvest frames from a target through OpenOCD\'s gdbserver, the firmware waiting when the channel is full', yaml: `
sources:
  node: { type: rtt, connect: gdb, address: "127.0.0.1:3333", channel: 1, control_block: { scan: [0x20000000, 0x10000] }, mode: block_if_full }
transforms:
  frames: { inputs: [node], steps: [ { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } } ] }
sinks: { console: { type: stdout, inputs: [frames], format: summary } }
` }],
});
