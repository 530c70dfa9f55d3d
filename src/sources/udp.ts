import dgram from 'node:dgram';
import { rx } from '../core/rx.js';
import { z } from 'zod';
import { type Batch, framesBatch } from '../core/batch.js';
import { defineSource } from '../core/component.js';
import { byteSizeOption } from '../core/options.js';

const MAX_UDP_PAYLOAD = 65507;

const udpOptions = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').meta({ description: 'Address to bind (loopback by default; 0.0.0.0 to receive from other machines or a multicast group).', examples: ['127.0.0.1', '0.0.0.0'] }),
  port: z.number().int().min(0).max(65535).meta({ description: 'Port to bind (0 picks a free one, shown in the log and the `port` gauge).', examples: [5201, 9000] }),
  multicast_group: z.string().optional().meta({ description: 'IPv4 multicast group to join, e.g. for a device that broadcasts its telemetry.', examples: ['239.1.2.3'] }),
  multicast_interface: z.string().optional().meta({ description: 'Local interface address to join the group on (default: chosen by the OS).', examples: ['192.168.1.10', '127.0.0.1'] }),
  receive_buffer: byteSizeOption()
    .prefault('4MiB')
    .meta({ description: 'Kernel receive buffer (SO_RCVBUF) to ask for; bursts beyond it are lost in the kernel. Linux caps it at net.core.rmem_max; the size granted is in the `receive_buffer` gauge.', examples: ['4MiB', 212992] }),
  max_datagram: z.number().int().min(1).max(MAX_UDP_PAYLOAD).default(MAX_UDP_PAYLOAD).meta({ description: 'Largest datagram accepted as a frame, bytes; larger ones are handled per `oversize`.', examples: [1472, 65507] }),
  oversize: z
    .enum(['drop', 'truncate'])
    .default('drop')
    .meta({ description: 'What to do with a datagram above `max_datagram`: drop it (counted as error `oversize`) or keep its first `max_datagram` bytes (counted as `truncated`).', examples: ['drop', 'truncate'] }),
  batch_frames: z.number().int().positive().default(1024).meta({ description: 'Most datagrams per Frames batch; datagrams that arrive together are batched, a lone one is sent at once.', examples: [1024, 64] }),
  paused_buffer: byteSizeOption()
    .prefault('16MiB')
    .meta({ description: 'UDP has no flow control: while the pipeline is paused datagrams are held up to this many bytes, beyond that they are dropped and counted (error `overrun`).', examples: ['16MiB', '1MiB'] }),
});

type UdpOptions = z.output<typeof udpOptions>;

/**
 * Receives UDP datagrams, each one frame of a Frames batch with its host receive time (no framing
 * step needed). Oversize datagrams are dropped or truncated and counted; while paused, datagrams are
 * held up to `paused_buffer` and the rest counted as `overrun`.
 */
export const udpSource = defineSource({
  type: 'udp',
  metrics: { errors: { oversize: 'datagrams', truncated: 'datagrams', overrun: 'datagrams' }, gauges: { port: 'port', receive_buffer: 'bytes' } },
  summary: 'Receives UDP datagrams (optionally from a multicast group), one frame per datagram.',
  options: udpOptions,
  output: 'frames',
  create(options, context) {
    return new (rx().Observable<Batch>)((subscriber) => {
      const socket = dgram.createSocket({ type: 'udp4', reuseAddr: options.multicast_group !== undefined, recvBufferSize: options.receive_buffer });
      const pending = new DatagramQueue(options, context.metrics);
      let scheduled: NodeJS.Immediate | undefined;
      const flush = () => {
        scheduled = undefined;
        while (!context.flow.paused && pending.count > 0) subscriber.next(pending.take(context.id, options.batch_frames));
      };
      const flowSubscription = context.flow.paused$.subscribe((paused) => {
        if (!paused && scheduled === undefined) scheduled = setImmediate(flush);
      });
      socket.on('message', (message: Buffer) => {
        pending.add(message, context.clock.nowNs(), context.flow.paused);
        if (pending.count >= options.batch_frames) flush();
        else if (scheduled === undefined) scheduled = setImmediate(flush);
      });
      socket.on('error', (error) => {
        subscriber.error(new Error(`${context.id}: udp ${options.host}:${options.port}: ${error.message}`));
      });
      socket.bind(options.port, options.host, () => {
        if (options.multicast_group !== undefined) socket.addMembership(options.multicast_group, options.multicast_interface);
        const { address, port } = socket.address();
        context.metrics.gauge('port', port);
        context.metrics.gauge('receive_buffer', socket.getRecvBufferSize());
        context.log.info({ address, port, group: options.multicast_group }, `udp listening on ${address}:${port}`);
      });
      const onAbort = () => {
        flush();
        subscriber.complete();
      };
      context.signal.addEventListener('abort', onAbort, { once: true });
      if (context.signal.aborted) onAbort();
      return () => {
        context.signal.removeEventListener('abort', onAbort);
        flowSubscription.unsubscribe();
        if (scheduled !== undefined) clearImmediate(scheduled);
        socket.close();
      };
    });
  },
  examples: [{ title: 'One frame per datagram, decoded without a framing step', yaml: `
sources: { net: { type: udp, host: 127.0.0.1, port: 5201, receive_buffer: 8MiB } }
transforms:
  packets: { inputs: [net], steps: [ { type: decode, fields: [ { name: seq, type: u32be, offset: 8 } ] } ] }
sinks: { console: { type: stdout, inputs: [packets], format: table, columns: [seq, host_time], every: 1s } }
` }],
});

/** Datagrams received but not yet emitted, with the size checks applied on the way in. */
class DatagramQueue {
  private chunks: Buffer[] = [];
  private times: number[] = [];
  private bytes = 0;

  constructor(
    private readonly options: UdpOptions,
    private readonly metrics: { error(reason: string, n?: number): void },
  ) {}

  get count(): number {
    return this.chunks.length;
  }

  add(message: Buffer, hostTimeNs: number, paused: boolean): void {
    let data = message;
    if (data.length > this.options.max_datagram) {
      if (this.options.oversize === 'drop') {
        this.metrics.error('oversize');
        return;
      }
      this.metrics.error('truncated');
      data = data.subarray(0, this.options.max_datagram);
    }
    if (paused && this.bytes + data.length > this.options.paused_buffer) {
      this.metrics.error('overrun');
      return;
    }
    this.chunks.push(data);
    this.times.push(hostTimeNs);
    this.bytes += data.length;
  }

  /** Removes up to `max` datagrams and returns them as one Frames batch over a single buffer. */
  take(source: string, max: number): Batch {
    const chunks = this.chunks.splice(0, max);
    const times = this.times.splice(0, chunks.length);
    const offsets = new Uint32Array(chunks.length);
    const lengths = new Uint32Array(chunks.length);
    let offset = 0;
    for (let i = 0; i < chunks.length; i++) {
      offsets[i] = offset;
      lengths[i] = chunks[i].length;
      offset += chunks[i].length;
    }
    this.bytes -= offset;
    return framesBatch(source, Buffer.concat(chunks, offset), offsets, lengths, Float64Array.from(times));
  }
}
