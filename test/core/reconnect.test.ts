import net from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { connectErrorReason } from '../../src/core/reconnect.js';
import { type StandaloneContext, standaloneContext } from '../../src/core/standalone.js';
import { tcpSource } from '../../src/sources/tcp/index.js';
import { collect } from '../helpers/collect.js';
import { waitFor } from '../helpers/wait.js';

describe('connectErrorReason', () => {
  const error = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
  it('maps OS errors from ports and sockets to short reasons', () => {
    expect(connectErrorReason(error('Error: No such file or directory, cannot open /dev/ttyACM0'))).toBe('not_found');
    expect(connectErrorReason(error('Error: Permission denied, cannot open /dev/ttyACM0'))).toBe('permission');
    expect(connectErrorReason(error('Error Resource temporarily unavailable Cannot lock port'))).toBe('busy');
    expect(connectErrorReason(error('connect ECONNREFUSED 127.0.0.1:5555', 'ECONNREFUSED'))).toBe('refused');
    expect(connectErrorReason(error('read ECONNRESET', 'ECONNRESET'))).toBe('reset');
    expect(connectErrorReason(error('connecting to 10.0.0.9:5555 timed out after 5000 ms'))).toBe('timeout');
    expect(connectErrorReason(error('something else'))).toBe('connect_failed');
  });
});

/** A peer that accepts every connection and closes it at once, after sending `greeting` if given. */
async function closingPeer(greeting?: Buffer): Promise<{ port: number; accepted: () => number; stop: () => Promise<void> }> {
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    socket.on('error', () => undefined);
    if (greeting) socket.end(greeting);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => accepted,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('reconnect backoff against a peer that accepts and closes', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** Runs a tcp source against `port` until the peer has seen `connections`; returns the logged retry delays. */
  async function retryDelays(port: number, connections: () => number, wanted: number) {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const base = standaloneContext('link', { kind: 'source', type: 'tcp' });
    const context: StandaloneContext = { ...base, log };
    cleanups.push(() => base.abort.abort());
    const options = tcpSource.options.parse({ port, idle_timeout: 0, backoff: { initial: '20ms', factor: 2, max: '10s', jitter: 0 } });
    collect(tcpSource.create(options, context));
    await waitFor(() => connections() >= wanted, `${wanted} connections`, 20_000);
    base.abort.abort();
    const delays = lines.filter((l) => String(l.msg).includes('reconnecting in')).map((l) => l.retry_in_ms);
    return { delays: delays.slice(0, wanted - 1), context };
  }

  it('grows the delay when the connections deliver nothing, and counts them', async () => {
    const peer = await closingPeer();
    cleanups.push(() => peer.stop());
    const { delays, context } = await retryDelays(peer.port, peer.accepted, 6);
    expect(delays).toEqual([20, 40, 80, 160, 320]);
    expect(context.metrics.counters.get('empty_connections')).toBeGreaterThanOrEqual(5);
  });

  it('starts again from the initial delay after a connection that delivered data', async () => {
    const peer = await closingPeer(Buffer.from('hello'));
    cleanups.push(() => peer.stop());
    const { delays, context } = await retryDelays(peer.port, peer.accepted, 6);
    expect(delays).toEqual([20, 20, 20, 20, 20]);
    expect(context.metrics.counters.get('empty_connections')).toBeUndefined();
  });
});
