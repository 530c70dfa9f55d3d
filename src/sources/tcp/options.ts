import { z } from 'zod';
import { backoffOption } from '../../core/backoff.js';
import { duration, hexBytes } from '../../core/options.js';

/** Options of the `tcp` source (see index.ts). */
export const tcpOptions = z.strictObject({
  mode: z
    .enum(['client', 'server'])
    .default('client')
    .meta({ description: '`client` connects to a device or link server; `server` listens and takes any number of devices, each connection its own sub-stream.', examples: ['client', 'server'] }),
  host: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .meta({ description: 'Client: the host to connect to. Server: the address to listen on (loopback by default; set 0.0.0.0 deliberately to accept other machines).', examples: ['127.0.0.1', '192.168.1.50'] }),
  port: z.number().int().min(0).max(65535).meta({ description: 'Client: the port to connect to. Server: the port to listen on (0 picks a free one, shown in the log and the `port` gauge).', examples: [5555, 2000] }),
  connect_timeout: duration().prefault('5s').meta({ description: 'Client: how long a connect may take before it counts as failed (error reason `timeout`) and is retried.', examples: ['5s', '1s'] }),
  idle_timeout: duration()
    .prefault('30s')
    .meta({ description: 'A connection that delivers no data for this long is closed (error reason `idle_timeout`) and, as a client, reconnected; 0 turns it off. Not counted while the pipeline is paused.', examples: ['30s', '2s', 0] }),
  keepalive: duration().prefault('10s').meta({ description: 'TCP keepalive: idle time before the OS starts probing a silent peer; 0 turns keepalive off.', examples: ['10s', 0] }),
  on_connect: hexBytes().optional().meta({ description: 'Bytes sent after every (re)connect (server: to every new peer), e.g. a start command.', examples: ['7B 10 00 7D'] }),
  retry: z
    .boolean()
    .default(true)
    .meta({ description: 'Retry with backoff when the connect (or, as a server, the listen) fails or the connection is lost; false makes the source stop with an error instead (a connection the other end closes cleanly just ends the source, e.g. a finite stream).', examples: [true, false] }),
  backoff: backoffOption(),
  max_connections: z.number().int().positive().default(8).meta({ description: 'Server: connections accepted at once; more are refused and counted (`rejected_connections`).', examples: [8, 1] }),
});

/** Parsed `tcp` options: durations in ms, `on_connect` as a Buffer. */
export type TcpOptions = z.output<typeof tcpOptions>;
