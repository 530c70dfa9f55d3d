import type { Observable } from 'rxjs';
import type { Batch } from './batch.js';
import { type Backoff, backoffDelayMs } from './backoff.js';
import { sleep } from './sleep.js';
import type { ComponentContext } from './component.js';
import { loopSource } from './source-loop.js';
import type { MetricsDeclaration } from './metrics.js';

/**
 * The connect / read / lose / retry loop shared by device sources (serial, TCP client). A source
 * supplies `connect`, which opens its handle (with its own timeout) and returns a session whose
 * `ended` promise settles when the handle is lost; this loop does the rest the same way for all:
 *
 * - a failed connect is counted (`errors.<reason>`), logged, and retried after a backoff with jitter;
 * - a lost connection is counted (`disconnects`), logged, and retried the same way;
 * - each reconnect after a loss is counted (`reconnects`) and logged with the gap it left; the gauges
 *   `connection` (1 for the first connection, +1 per reconnect), `connected` (0/1) and the counter
 *   `disconnected_ms` (total time without a device) make the gap visible in metrics and summaries;
 * - with `retry: false` the first failure ends the source with an error instead (a connection closed
 *   cleanly by the other end just ends it);
 * - the backoff starts again from `initial` only after a connection that delivered data or stayed up
 *   at least `backoff.max`: a peer that accepts and closes at once (a flapping device, a port
 *   forwarder with nothing behind it) gets ever longer delays, not ten attempts a second.
 */
export interface Session {
  /** Resolves (with the reason) when the connection is lost; never rejects. */
  readonly ended: Promise<Error | undefined>;
  /** Releases the handle; called when the pipeline stops. */
  close(): void;
}

export interface ReconnectOptions {
  /** What is being connected to, for log lines and errors: "serial /dev/ttyACM0". */
  readonly describe: () => string;
  readonly backoff: Backoff;
  readonly retry: boolean;
  /** Opens the handle and starts pushing batches through `emit`; rejects when it cannot. */
  connect(emit: (batch: Batch) => void, signal: AbortSignal): Promise<Session>;
  /** Word for a successful connect in the log: "connected" by default, "listening" for a server. */
  readonly connectedAs?: string;
  /** Short error reason for metrics; defaults to `connectErrorReason`. */
  classify?(error: Error): string;
}

const REASONS = [
  [/E_LIST_PORTS/, 'list_failed'],
  [/ENOENT|No such file/i, 'not_found'],
  [/EACCES|Permission denied/i, 'permission'],
  [/EBUSY|Resource busy|Resource temporarily unavailable|lock/i, 'busy'],
  [/EIO|Input\/output/i, 'io'],
  [/ECONNREFUSED/, 'refused'],
  [/EADDRINUSE/, 'address_in_use'],
  [/ECONNRESET|EPIPE/, 'reset'],
  [/EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN/, 'unreachable'],
  [/timed out|ETIMEDOUT/i, 'timeout'],
] as const satisfies ReadonlyArray<readonly [RegExp, string]>;

/** A reason `connectErrorReason` gives. */
export type ConnectErrorReason = (typeof REASONS)[number][1] | 'connect_failed';

/** Every reason `connectErrorReason` can give. */
export const CONNECT_ERROR_REASONS: readonly ConnectErrorReason[] = [...REASONS.map(([, reason]) => reason), 'connect_failed'];

/** What the loop counts for the source that runs it; device sources spread this into their own. */
export const RECONNECT_METRICS = {
  errors: Object.fromEntries(CONNECT_ERROR_REASONS.map((reason) => [reason, 'events'])) as Record<ConnectErrorReason, 'events'>,
  counters: { disconnects: 'events', reconnects: 'events', disconnected_ms: 'ms', empty_connections: 'connections' },
  gauges: { connected: 'state', connection: 'connections' },
} as const satisfies MetricsDeclaration;

/** Maps a connect error to a short reason for metrics (`not_found`, `timeout`, `refused`...). */
export function connectErrorReason(error: Error): ConnectErrorReason {
  const text = `${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`;
  for (const [pattern, reason] of REASONS) if (pattern.test(text)) return reason;
  return 'connect_failed';
}

/** A source Observable that runs the reconnect loop until the pipeline's signal aborts. */
export function reconnectingSource(context: ComponentContext, options: ReconnectOptions): Observable<Batch> {
  return loopSource(context, (emit, signal) => runLoop(context, options, emit, signal));
}

async function runLoop(context: ComponentContext, options: ReconnectOptions, emit: (batch: Batch) => void, signal: AbortSignal): Promise<void> {
  const { log, metrics } = context;
  let connection = 0;
  let attempt = 0;
  let lostAtMs: number | undefined;
  metrics.gauge('connected', 0);
  while (!signal.aborted) {
    let session: Session | undefined;
    let delivered = false;
    const emitting = (batch: Batch) => {
      delivered = true;
      emit(batch);
    };
    try {
      session = await untilAborted(options.connect(emitting, signal), signal);
    } catch (error) {
      if (signal.aborted) return;
      const reason = (options.classify ?? connectErrorReason)(error as Error);
      metrics.error(reason);
      // serialport puts "Error: " inside its messages; the log and the run's error say it already.
      const message = `${options.describe()}: ${(error as Error).message.replace(/^Error:\s*/, '')}`;
      if (!options.retry) throw new Error(`${message} (retry is off, so the source stops)`);
      const delay = backoffDelayMs(attempt++, options.backoff);
      log.warn({ reason, attempt, retry_in_ms: Math.round(delay) }, `${message}; retrying in ${Math.round(delay)} ms`);
      await sleep(delay, { signal });
      continue;
    }
    if (session === undefined) return; // aborted while connecting
    connection++;
    const connectedAtMs = Date.now();
    metrics.gauge('connection', connection);
    metrics.gauge('connected', 1);
    if (lostAtMs === undefined) log.info({ connection }, `${options.describe()}: ${options.connectedAs ?? 'connected'}`);
    else {
      const gapMs = Date.now() - lostAtMs;
      metrics.count('reconnects');
      metrics.count('disconnected_ms', gapMs);
      log.warn({ connection, gap_ms: gapMs }, `${options.describe()}: ${options.connectedAs === 'listening' ? 'listening again' : 'reconnected'} after ${gapMs} ms without data (connection ${connection})`);
    }
    const onAbort = () => session.close();
    signal.addEventListener('abort', onAbort, { once: true });
    const reason = await session.ended;
    signal.removeEventListener('abort', onAbort);
    metrics.gauge('connected', 0);
    if (signal.aborted) return;
    lostAtMs = Date.now();
    if (delivered || lostAtMs - connectedAtMs >= options.backoff.max) attempt = 0;
    else metrics.count('empty_connections');
    metrics.count('disconnects');
    const message = `${options.describe()}: connection ${connection} lost (${reason?.message ?? 'closed by the other end'})`;
    if (!options.retry && reason === undefined) {
      log.info(`${message}; retry is off, so the source ends`);
      return;
    }
    if (!options.retry) throw new Error(`${message} (retry is off, so the source stops)`);
    const delay = backoffDelayMs(attempt++, options.backoff);
    log.warn({ connection, retry_in_ms: Math.round(delay) }, `${message}; reconnecting in ${Math.round(delay)} ms`);
    await sleep(delay, { signal });
  }
}

/**
 * Resolves with the session, or with undefined as soon as `signal` aborts (a connect without a
 * timeout must not hold the pipeline's stop); a session that opens after the abort is closed.
 */
function untilAborted(connecting: Promise<Session>, signal: AbortSignal): Promise<Session | undefined> {
  if (signal.aborted) {
    connecting.then((session) => session.close(), () => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      connecting.then((session) => session.close(), () => undefined);
      resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    connecting.then(
      (session) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) session.close();
        resolve(signal.aborted ? undefined : session);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
