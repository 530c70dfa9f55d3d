import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import type { Batch } from '../core/batch.js';
import { encodeCaptureHeader, encodeChunkHeader } from '../core/capture-format.js';
import { parseOverride } from '../core/config/overrides.js';
import { parseDurationMs, parseListen } from '../core/options.js';
import { standaloneContext } from '../core/standalone.js';
import { simulatorSource } from '../sources/simulator/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { COMMANDS } from './commands.js';
import { registerCommandHelp } from './help.js';


export const simulateHelp = registerCommandHelp({
  name: 'simulate',
  usage: COMMANDS.simulate.usage,
  summary: 'Runs the simulated device on its own and writes its bytes to stdout, a file or a TCP listener, to test sources and tools against it.',
  options: [
    ['--device harvester', 'Which device: harvester (voltage/current samples), tasks (FreeRTOS-like task trace) or log (text lines)'],
    ['--rate realtime', 'realtime paces frames as the device would; max writes as fast as possible'],
    ['--seed N', 'Seed of the simulated values and faults (the same seed gives the same bytes)'],
    ['--frames N', 'Stop after N frames; default: run until --duration or Ctrl-C'],
    ['--duration 10s', 'Stop after this long'],
    ['--set option=value', 'Any other simulator option (see pipeline list simulator), e.g. --set faults.bit_flip=0.001'],
    ['--out FILE', 'Write to this file instead of stdout'],
    ['--format raw', 'raw bytes, or capture (a timed capture file whose host times the file source replays)'],
    ['--tcp 127.0.0.1:PORT', 'Serve the bytes to TCP clients instead (produces only while one is connected)'],
  ],
  examples: ['pipeline simulate --tcp 127.0.0.1:7000', 'pipeline simulate --frames 40000 --out node.bin'],
});

/**
 * Runs the simulated device on its own and writes its byte stream to stdout, a file, or a TCP
 * listener, so other tools and the real sources can be tested against it. The TCP listener sends
 * to every connected client and produces only while at least one is connected and keeping up.
 */
export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      device: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      frames: { type: 'string' },
      duration: { type: 'string' },
      set: { type: 'string', multiple: true },
      out: { type: 'string' },
      format: { type: 'string', default: 'raw' },
      tcp: { type: 'string' },
    },
    false,
  );
  if (values.out && values.tcp) throw new UsageError('give --out or --tcp, not both');
  if (values.format !== 'raw' && values.format !== 'capture') throw new UsageError('--format must be raw or capture');
  if (!values.out && !values.tcp && process.stdout.isTTY) throw new UsageError('the simulator writes binary data: redirect stdout, or use --out FILE or --tcp 127.0.0.1:PORT');

  const raw: Record<string, unknown> = {};
  if (values.device) raw.device = values.device;
  if (values.rate) raw.rate = values.rate;
  if (values.seed) raw.seed = Number(values.seed);
  if (values.frames) raw.frames = Number(values.frames);
  for (const text of values.set ?? []) setPath(raw, parseOverride(text));
  const parsed = simulatorSource.options.safeParse(raw);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '));
  if (parsed.data.emit !== 'bytes') throw new UsageError('simulate writes bytes; emit: records is for pipelines');

  const context = standaloneContext('simulator', { kind: 'source', type: 'simulator' });
  const stop = () => context.abort.abort();
  // A file or pty that goes away (a serial link unplugged, socat stopped) ends the run with a clear message.
  const output = values.tcp ? await tcpOutput(values.tcp, context.flowSignal) : fileOutput(values.out, values.format === 'capture', context.clock.anchorWallNs, stop);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = values.duration ? setTimeout(stop, parseDurationMs(values.duration)) : undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      simulatorSource.create(parsed.data, context).subscribe({ next: (batch) => output.write(batch), complete: resolve, error: reject });
    });
  } finally {
    clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await output.close();
  }
  const failure = output.failure();
  const { counters, errors } = context.metrics.snapshot();
  // The output's failure is this command's, not the simulator's, so it is not one of its metrics.
  const figures = [...Object.entries(counters), ...Object.entries(errors), ...(failure ? [['output_failed', 1]] : [])].map(([k, v]) => `${k}=${v}`);
  process.stderr.write(`simulator stopped: ${figures.join(' ') || 'no frames'}\n`);
  if (failure) {
    process.stderr.write(`error: cannot write to ${values.out ?? 'stdout'} any more (${failure.message}); the simulator stopped\n`);
    return 1;
  }
  return 0;
}

interface Output {
  write(batch: Batch): void;
  close(): Promise<void>;
  /** The write error that ended the output, if one did. */
  failure(): Error | undefined;
}

function setPath(target: Record<string, unknown>, override: { path: (string | number)[]; value: unknown }): void {
  let node = target;
  override.path.slice(0, -1).forEach((key) => {
    node[key] = typeof node[key] === 'object' && node[key] !== null ? node[key] : {};
    node = node[key] as Record<string, unknown>;
  });
  node[override.path[override.path.length - 1]] = override.value;
}

function fileOutput(file: string | undefined, capture: boolean, anchorWallNs: bigint, onFailure: () => void): Output {
  const stream: NodeJS.WritableStream | WriteStream = file ? createWriteStream(file) : process.stdout;
  let failure: Error | undefined;
  (stream as NodeJS.EventEmitter).on('error', (error: Error) => {
    if (failure) return;
    failure = error;
    onFailure();
  });
  if (capture) stream.write(encodeCaptureHeader({ anchor_wall_ns: anchorWallNs.toString(), source: 'simulator', created: new Date().toISOString() }));
  return {
    write(batch) {
      if (batch.kind !== 'bytes' || failure) return;
      if (capture) stream.write(encodeChunkHeader(batch.hostTimeNs, batch.data.length));
      stream.write(batch.data);
    },
    failure: () => failure,
    async close() {
      if (failure) return;
      if (stream === process.stdout) {
        if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
        return;
      }
      (stream as WriteStream).end();
      // An error while flushing is kept by the handler above and reported like any other.
      await once(stream, 'close').catch(() => undefined);
    },
  };
}

async function tcpOutput(listen: string, flow: { hold(): void; release(): void }): Promise<Output> {
  const { host, port } = parseListen(listen);
  const clients = new Set<net.Socket>();
  const blocked = new Set<net.Socket>();
  // No client: nothing to send to, so the device waits (held) instead of throwing data away.
  flow.hold();
  const server = net.createServer((socket) => {
    if (clients.size === 0) flow.release();
    clients.add(socket);
    process.stderr.write(`client connected: ${socket.remoteAddress}:${socket.remotePort}\n`);
    socket.on('drain', () => {
      if (blocked.delete(socket) && blocked.size === 0) flow.release();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clients.delete(socket);
      if (blocked.delete(socket) && blocked.size === 0) flow.release();
      if (clients.size === 0) flow.hold();
    });
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as net.AddressInfo;
  process.stderr.write(`simulator listening on ${address.address}:${address.port}\n`);
  return {
    failure: () => undefined,
    write(batch) {
      if (batch.kind !== 'bytes') return;
      for (const socket of clients) {
        if (!socket.write(batch.data) && !blocked.has(socket)) {
          if (blocked.size === 0) flow.hold();
          blocked.add(socket);
        }
      }
    },
    async close() {
      for (const socket of clients) socket.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
