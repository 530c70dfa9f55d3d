import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { ComponentContext } from '../../core/component.js';
import { renderPrometheus } from '../../core/prometheus.js';
import { type AccessDecision, type AccessRules, checkAccess, originAllowed } from './access.js';
import type { FeedSelection, LiveFeed } from './feed.js';
import { RefusalLog } from './refusals.js';
import { loadStaticFiles } from './static.js';

/** Largest control message a client may send; they are a few hundred bytes at most. */
const MAX_CONTROL_BYTES = 64 * 1024;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  'cache-control': 'no-cache',
};

export interface LiveServer {
  /** The page's address, with the real port when listening on port 0. */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts the HTTP server: the page, `/ws`, `/metrics` and `/api/status`. */
export async function startLiveServer(host: string, port: number, access: AccessRules, feed: LiveFeed, context: ComponentContext): Promise<LiveServer> {
  const files = loadStaticFiles();
  const refusals = new RefusalLog(context);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_CONTROL_BYTES });
  const server = createServer((request, response) => handleHttp(request, response, files, access, feed, context, refusals));

  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    // Node's HTTP server stops watching a socket it hands over for an upgrade: an error on it (a peer
    // that resets after its refusal, or before the handshake ends) would otherwise end the process.
    socket.on('error', (error) => context.log.debug({ err: error }, 'live view: socket error during upgrade'));
    const url = requestUrl(request);
    if (url.pathname !== '/ws') return refuse(socket, 404, 'not found; the feed is at /ws');
    const decision = checkAccess(access, request, url);
    if (!decision.ok) {
      refusals.refuse(refusalOf(request, url, decision));
      return refuse(socket, decision.status, decision.message);
    }
    const full = feed.refusesNewClient();
    if (full !== undefined) {
      refusals.refuse({ ...refusalOf(request, url), reason: 'clients', message: full });
      return refuse(socket, 503, full);
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', (error) => context.log.debug({ err: error }, 'live view: client socket error'));
      feed.attach(ws, `${request.socket.remoteAddress}:${request.socket.remotePort}`, selectionFromQuery(url));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EADDRINUSE' ? `: the port is in use; ${portOverrideHint(context.id, context.pipeline.configText)}` : '';
      reject(new Error(`live view cannot listen on ${host}:${port}${hint} (${error.message})`));
    });
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      server.on('error', (error) => context.log.error({ err: error }, 'live view: server error'));
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;

  return {
    url,
    server,
    async close() {
      const open = feed.closeAll('pipeline stopping');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Give clients a moment to answer the close frame, then cut whatever is left (stalled peers).
      await Promise.race([Promise.all(open.map((c) => new Promise((r) => c.socket.once('close', r)))), delay(500)]);
      for (const client of open) client.socket.terminate();
      server.closeAllConnections();
      await closed;
      wss.close();
    },
  };
}

function handleHttp(
  request: IncomingMessage,
  response: ServerResponse,
  files: ReturnType<typeof loadStaticFiles>,
  access: AccessRules,
  feed: LiveFeed,
  context: ComponentContext,
  refusals: RefusalLog,
): void {
  const url = requestUrl(request);
  if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'text/plain', 'only GET\n');
  const file = files.get(url.pathname);
  // The page carries no data and needs no token, but a rebinding page must not get it either.
  const decision = file ? checkAccess({ ...access, token: undefined }, request, url) : checkAccess(access, request, url);
  if (!decision.ok) {
    refusals.refuse(refusalOf(request, url, decision));
    return reply(response, decision.status, 'text/plain', `${decision.message}\n`);
  }
  if (file) return reply(response, 200, file.contentType, file.body);
  if (url.pathname !== '/metrics' && url.pathname !== '/api/status') return reply(response, 404, 'text/plain', 'not found\n');
  const origin = request.headers.origin;
  if (origin !== undefined && originAllowed(access, origin, request.headers.host)) response.setHeader('access-control-allow-origin', origin);
  const pipelineStatus = feed.status;
  if (url.pathname === '/metrics') return reply(response, 200, 'text/plain; version=0.0.4; charset=utf-8', renderPrometheus(pipelineStatus.snapshot()));
  const now = Date.now();
  const status = {
    pipeline: context.pipeline.name,
    time_ms: now,
    uptime_s: (now - pipelineStatus.startedAtMs) / 1000,
    components: pipelineStatus.snapshot(),
    clients: feed.clientSnapshots(now),
  };
  reply(response, 200, 'application/json; charset=utf-8', JSON.stringify(status));
}

function refusalOf(request: IncomingMessage, url: URL, decision?: AccessDecision & { ok: false }) {
  return {
    reason: decision?.reason ?? 'unknown',
    message: decision?.message ?? '',
    remote: request.socket.remoteAddress,
    origin: request.headers.origin,
    host: request.headers.host,
    path: url.pathname,
  };
}

function reply(response: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

const STATUS_TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };

function refuse(socket: Socket, status: number, message: string): void {
  const reason = STATUS_TEXT[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`);
  // A peer that never reads the answer must not keep the socket (and its buffers) forever.
  setTimeout(() => socket.destroy(), REFUSED_SOCKET_LINGER_MS).unref();
}

/** How long a refused upgrade's socket may take to deliver the answer before it is cut. */
const REFUSED_SOCKET_LINGER_MS = 5000;

function requestUrl(request: IncomingMessage): URL {
  return new URL(request.url ?? '/', 'http://localhost');
}

/** `?columns=a,b&streams=s&max_rate=30&history=0` as the selection a client makes at connect time. */
export function selectionFromQuery(url: URL): FeedSelection {
  const list = (name: string) => {
    const value = url.searchParams.get(name);
    return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  };
  const rate = Number(url.searchParams.get('max_rate') ?? 0);
  return { columns: list('columns'), streams: list('streams'), maxRate: Number.isFinite(rate) && rate > 0 ? rate : 0, history: url.searchParams.get('history') !== '0' };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The exact override to type for another port: the --set for this sink's `listen`, and the
 * environment variable when the file takes the address from one (`listen: "${LIVE_LISTEN:-...}"`).
 */
export function portOverrideHint(sinkId: string, configText: string): string {
  const line = configText.split('\n').find((l) => l.trimStart().startsWith(`${sinkId}:`) && /\blisten:/.test(l));
  const variable = line && /\blisten:\s*["']?\$\{([A-Za-z_][A-Za-z0-9_]*)/.exec(line)?.[1];
  const set = `--set sinks.${sinkId}.listen=127.0.0.1:PORT`;
  return `choose another with ${variable ? `${variable}=127.0.0.1:PORT or ` : ''}${set} (port 0 picks a free one)`;
}
