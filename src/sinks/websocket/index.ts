import { z } from 'zod';
import { rx } from '../../core/rx.js';
import type { RecordsBatch } from '../../core/batch.js';
import { type SinkInstance, defineSink } from '../../core/component.js';
import { byteSizeOption, duration, parseListen } from '../../core/options.js';
import { isLoopbackHost } from './access.js';
import { LiveFeed } from './feed.js';

const options = z.strictObject({
  listen: z
    .string()
    .default('127.0.0.1:8080')
    .superRefine((value, ctx) => {
      try {
        parseListen(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .meta({ description: 'Address the HTTP server binds (page, /ws, /metrics, /api/status). Loopback by default; other addresses must be set here. Port 0 picks a free port.', examples: ['127.0.0.1:8080', '0.0.0.0:8080', '127.0.0.1:0'] }),
  history: duration()
    .default(10_000)
    .meta({ description: 'How much recent data a client gets on connect, so its plots do not start empty (0 = none).', examples: ['10s', '1m', 0] }),
  history_max_bytes: byteSizeOption()
    .default(64 * 1024 * 1024)
    .meta({ description: 'Memory cap for the history buffer; the oldest batches go first when it is reached.', examples: ['64MiB', '256MB'] }),
  slow_client: z
    .enum(['downsample', 'drop', 'close'])
    .default('downsample')
    .meta({ description: 'What a client whose socket buffer exceeds client_buffer gets: every Nth batch with N doubling as the buffer doubles (downsample, dropping beyond 8x), nothing (drop), or disconnected (close). The pipeline never waits for a viewer.', examples: ['downsample', 'drop', 'close'] }),
  client_buffer: byteSizeOption()
    .default(1024 * 1024)
    .meta({ description: 'Bytes waiting in a client socket above which slow_client applies.', examples: ['1MiB', '256KiB'] }),
  max_clients: z
    .number()
    .int()
    .positive()
    .default(32)
    .meta({ description: 'Clients connected at once (page tabs, tap); more are refused with HTTP 503 and counted as refused_clients.', examples: [32, 4] }),
  total_client_buffer: byteSizeOption()
    .default(64 * 1024 * 1024)
    .meta({ description: 'Bytes waiting in all client sockets together above which clients that have bytes waiting get no more data until they drain (counted as client_total_buffer_dropped_batches); bounds memory when many clients stall.', examples: ['64MiB', '16MiB'] }),
  close_after: duration()
    .default(30_000)
    .meta({ description: 'A client that stays above client_buffer this long is disconnected whatever slow_client says (0 = never).', examples: ['30s', '5s', 0] }),
  status_interval: duration()
    .default(1000)
    .meta({ description: 'How often every client gets a status message with every component\'s metrics.', examples: ['1s', '500ms'] }),
  auth_token: z
    .string()
    .min(8, 'auth_token must be at least 8 characters')
    .optional()
    .meta({ description: 'When set, /ws, /metrics and /api/status require it as ?token=... or "Authorization: Bearer ..."; open the page as /?token=.... Use ${ENV_VAR} to keep it out of the file.', examples: ['${LIVE_TOKEN}', 'change-me-please'] }),
  series_by: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/)
    .optional()
    .meta({ description: 'A string column (e.g. cpu_window\'s `context`) whose values split the plots of every stream that has it: one series per value (per task, per channel) for each numeric column.', examples: ['context', 'task'] }),
  allowed_origins: z
    .array(z.string())
    .default([])
    .meta({ description: 'Web origins besides the server\'s own whose pages may open the feed; their host names are also accepted in the Host header (besides loopback and the listen host). "*" allows any origin and host. Clients that send no Origin (tap, scripts) are not affected.', examples: [['http://lab-pc:3000'], ['*']] }),
});

/** The running sink: a normal sink instance plus the address it serves, for logs and tests. */
export interface WebsocketSinkInstance extends SinkInstance {
  readonly url: string;
  readonly feed: LiveFeed;
}

/**
 * Live view: serves a browser page with uPlot charts, a WebSocket feed of every records batch, and the
 * pipeline's metrics. Lossy on purpose: slow viewers get less data, the pipeline never waits.
 */
export const websocketSink = defineSink({
  type: 'websocket',
  metrics: { errors: { publish_failed: 'batches', bad_control_message: 'events', unknown_stream: 'requests' }, counters: { clients_connected: 'clients', client_dropped_batches: 'batches', client_downsampled_batches: 'batches', client_rate_limited_batches: 'batches', clients_closed_slow: 'clients', client_total_buffer_dropped_batches: 'batches', 'refused_*': 'requests' }, gauges: { clients: 'clients', client_buffered_bytes: 'bytes' } },
  summary: 'Live view: serves a browser page, a WebSocket feed of records, /metrics and /api/status; never slows the pipeline.',
  options,
  input: ['records'],
  defaultWhenFull: 'sample',
  capabilities: { status: true },
  async create(opts, context): Promise<WebsocketSinkInstance> {
    const { host, port } = parseListen(opts.listen);
    const feed = new LiveFeed(
      {
        historyMs: opts.history,
        historyMaxBytes: opts.history_max_bytes,
        policy: { policy: opts.slow_client, limitBytes: opts.client_buffer, closeAfterMs: opts.close_after },
        maxClients: opts.max_clients,
        totalBufferBytes: opts.total_client_buffer,
        seriesBy: opts.series_by,
        streams: context.inputs,
      },
      context,
    );
    // The server (ws and the page) loads when the sink starts, not with its definition.
    const { startLiveServer } = await import('./server.js');
    const server = await startLiveServer(host, port, { token: opts.auth_token, allowedOrigins: opts.allowed_origins, listenHost: host }, feed, context);
    if (!isLoopbackHost(host) && opts.auth_token === undefined) {
      context.log.warn({ listen: opts.listen }, 'live view: listening beyond this machine without auth_token; anyone on the network can read the feed');
    }
    context.log.info({ url: server.url }, `live view at ${server.url}`);
    let publishFailures = 0;
    const timer = rx().interval(Math.max(50, opts.status_interval), context.scheduler).subscribe(() => feed.broadcastStatus());
    return {
      url: server.url,
      feed,
      write(batch, input) {
        // A viewer problem must never fail the pipeline (and with it a recording): count, log, go on.
        try {
          feed.publish(batch as RecordsBatch, Date.now(), input);
        } catch (error) {
          context.metrics.error('publish_failed');
          if (publishFailures++ % 1000 === 0) context.log.error({ err: error, failures: publishFailures }, 'live view: could not publish a batch');
        }
      },
      async close() {
        timer.unsubscribe();
        feed.broadcastStatus();
        await server.close();
      },
    };
  },
  examples: [{ title: 'Live view of a min/max preview on the loopback interface', yaml: `
sources: { node: { type: simulator, emit: records } }
transforms:
  preview: { inputs: [node], steps: [ { type: derive, fields: { t_device_ns: "t_ticks * 1000 + i * 10000", voltage: "voltage_raw * 3e-9" }, time: { t_device_ns: device }, units: { voltage: V } }, { type: downsample, method: minmax, every: 10ms, time: t_device_ns, fields: [voltage] } ] }
sinks: { live: { type: websocket, inputs: [preview], listen: 127.0.0.1:8080, history: 10s } }
` }],
});

