import type { NatsConnection } from '@nats-io/transport-node';
import { type Backoff, backoffDelayMs } from '../backoff.js';
import { sleep } from '../sleep.js';
import type { ComponentContext } from '../component.js';
import type { MetricsDeclaration } from '../metrics.js';

/**
 * One connection to a NATS server for a component, opened in the background so a broker that is down
 * at start delays the data (a blocking sink holds the device) instead of failing the run. Once
 * connected, the client reconnects by itself; every disconnect and reconnect is counted and logged.
 */
export interface NatsLink {
  /** Resolves with the connection once the first connect succeeded; rejects if the run stopped first. */
  readonly ready: Promise<NatsConnection>;
  /** False between a disconnect and the reconnect (and before the first connect, and once closed). */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** What a NATS connection counts for the component that holds it. */
export const NATS_LINK_METRICS = {
  errors: { server_error: 'events' },
  counters: { connect_failures: 'events', disconnects: 'events', reconnects: 'events' },
} as const satisfies MetricsDeclaration;

export function openNatsLink(url: string, backoff: Backoff, context: ComponentContext, stop: AbortSignal): NatsLink {
  const { log, metrics } = context;
  let connection: NatsConnection | undefined;
  const state = { connected: false };
  const ready = (async () => {
    // The NATS client loads when the component starts, not with its definition (`validate`, `list`).
    const { connect } = await import('@nats-io/transport-node');
    for (let attempt = 0; ; attempt++) {
      if (stop.aborted) throw new Error(`stopped before connecting to ${url}`);
      try {
        connection = await connect({
          servers: url,
          name: `pipeline ${context.pipeline.name} ${context.id}`,
          timeout: 5_000,
          maxReconnectAttempts: -1,
          reconnectTimeWait: Math.max(50, backoff.initial),
          pingInterval: 10_000,
        });
        log.info(`nats: connected to ${url}`);
        state.connected = true;
        void watchStatus(connection, context, state);
        return connection;
      } catch (error) {
        metrics.count('connect_failures');
        const delay = backoffDelayMs(attempt, backoff);
        if (attempt === 0 || attempt % 10 === 0) log.warn(`nats: cannot connect to ${url} (${(error as Error).message}); retrying in ${Math.round(delay)} ms`);
        await sleep(delay, { signal: stop, scheduler: context.scheduler });
      }
    }
  })();
  ready.catch(() => undefined);
  return {
    ready,
    get connected() {
      return state.connected && connection !== undefined && !connection.isClosed();
    },
    async close() {
      if (!connection || connection.isClosed()) return;
      // Draining needs the broker; without it, close at once (nothing sent now could arrive).
      if (!state.connected) return void (await connection.close());
      await connection.drain().catch(() => connection!.close());
    },
  };
}

async function watchStatus(connection: NatsConnection, context: ComponentContext, state: { connected: boolean }): Promise<void> {
  for await (const status of connection.status()) {
    if (status.type === 'disconnect') {
      state.connected = false;
      context.metrics.count('disconnects');
      context.log.warn(`nats: disconnected from ${status.server}; reconnecting`);
    } else if (status.type === 'reconnect') {
      state.connected = true;
      context.metrics.count('reconnects');
      context.log.info(`nats: reconnected to ${status.server}`);
    } else if (status.type === 'error') {
      context.metrics.error('server_error');
      context.log.warn(`nats: ${status.error.message}`);
    }
  }
}

/** A subject token from free text: NATS tokens cannot hold dots, spaces or wildcards. */
export function subjectToken(text: string): string {
  const token = text.replace(/[^A-Za-z0-9_-]/g, '_');
  return token.length > 0 ? token : '_';
}
