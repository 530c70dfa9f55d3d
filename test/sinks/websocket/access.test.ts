import { afterEach, describe, expect, it } from 'vitest';
import { websocketSink } from '../../../src/sinks/websocket/index.js';
import { TestClient, startSink, wsUrl } from './helpers.js';

const TOKEN = 'correct-horse-battery';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(options: Record<string, unknown>) {
  const started = await startSink(options);
  cleanups.push(() => started.sink.close());
  return started;
}

/** Resolves with "open" or the HTTP status the server refused the upgrade with. */
async function tryConnect(url: string, headers: Record<string, string> = {}): Promise<string | number> {
  const c = new TestClient(url, headers);
  cleanups.push(() => c.close());
  try {
    await c.opened;
    return 'open';
  } catch (error) {
    return Number(/HTTP (\d+)/.exec((error as Error).message)?.[1] ?? NaN);
  }
}

describe('websocket sink access checks', () => {
  it('refuses a missing or wrong token and accepts the right one (query or Bearer header)', async () => {
    const { sink: live, context } = await sink({ auth_token: TOKEN });
    expect(await tryConnect(wsUrl(live.url))).toBe(401);
    expect(await tryConnect(wsUrl(live.url, '?token=wrong-token-value'))).toBe(401);
    expect(await tryConnect(wsUrl(live.url), { authorization: 'Bearer nope' })).toBe(401);
    expect(await tryConnect(wsUrl(live.url, `?token=${TOKEN}`))).toBe('open');
    expect(await tryConnect(wsUrl(live.url), { authorization: `Bearer ${TOKEN}` })).toBe('open');
    expect(context.metrics.counters.get('refused_token')).toBe(3);

    expect((await fetch(new URL('api/status', live.url))).status).toBe(401);
    expect((await fetch(new URL('metrics?token=bad', live.url))).status).toBe(401);
    expect((await fetch(new URL(`metrics?token=${TOKEN}`, live.url))).status).toBe(200);
    expect((await fetch(new URL('api/status', live.url), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // The page itself carries no data and passes ?token= on to the feed.
    expect((await fetch(live.url)).status).toBe(200);
  });

  it('refuses a foreign origin, accepts its own and listed ones', async () => {
    const { sink: live, context } = await sink({ allowed_origins: ['http://lab-pc:3000'] });
    const own = new URL(live.url).origin;
    expect(await tryConnect(wsUrl(live.url), { origin: 'http://evil.example' })).toBe(403);
    expect(await tryConnect(wsUrl(live.url), { origin: 'http://127.0.0.1:1' })).toBe(403);
    expect(await tryConnect(wsUrl(live.url), { origin: own })).toBe('open');
    expect(await tryConnect(wsUrl(live.url), { origin: 'http://lab-pc:3000' })).toBe('open');
    expect(await tryConnect(wsUrl(live.url))).toBe('open'); // tools send no Origin
    expect(context.metrics.counters.get('refused_origin')).toBe(2);
    expect((await fetch(new URL('api/status', live.url), { headers: { origin: 'http://evil.example' } })).status).toBe(403);
  });

  it('allows any origin with "*"', async () => {
    const { sink: live } = await sink({ allowed_origins: ['*'] });
    expect(await tryConnect(wsUrl(live.url), { origin: 'http://anywhere.example' })).toBe('open');
  });

  it('refuses upgrades on other paths', async () => {
    const { sink: live } = await sink({});
    expect(await tryConnect(`${live.url.replace('http', 'ws')}feed`)).toBe(404);
  });

  it('rejects bad listen addresses and short tokens in the options, naming the key', () => {
    const listen = websocketSink.options.safeParse({ listen: 'localhost' });
    expect(listen.success).toBe(false);
    expect(listen.error?.issues[0].path).toEqual(['listen']);
    expect(listen.error?.issues[0].message).toMatch(/host:port/);
    const token = websocketSink.options.safeParse({ auth_token: 'short' });
    expect(token.error?.issues[0].path).toEqual(['auth_token']);
    expect(websocketSink.options.parse({}).listen).toBe('127.0.0.1:8080');
  });
});

describe('websocket sink listen errors', () => {
  it('names the address and the fix when the port is taken', async () => {
    const { sink: first } = await sink({});
    const port = new URL(first.url).port;
    await expect(startSink({ listen: `127.0.0.1:${port}` })).rejects.toThrow(new RegExp(`cannot listen on 127.0.0.1:${port}: the port is in use`));
  });
});
