import { VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { REFUSAL_LOG_WINDOW_MS } from '../../../src/sinks/websocket/refusals.js';
import { websocketSink } from '../../../src/sinks/websocket/index.js';
import { TestClient, rawRequest, recordingLogger, startSink, wsUrl } from './helpers.js';

const TOKEN = 'correct-horse-battery';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(options: Record<string, unknown>, overrides: Parameters<typeof startSink>[1] = {}) {
  const started = await startSink(options, overrides);
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

describe('websocket sink Host check (DNS rebinding)', () => {
  const ROUTES = ['/', '/index.html', '/api/status', '/metrics'];

  it('refuses a page whose name was rebound to 127.0.0.1: Host and Origin both attacker.example, no token configured', async () => {
    const { sink: live, context } = await sink({});
    const { port } = new URL(live.url);
    const attacker = { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` };
    expect((await rawRequest(live.url, '/ws', attacker, true)).status).toBe(403);
    for (const route of ROUTES) {
      const answer = await rawRequest(live.url, route, attacker);
      expect(answer.status, route).toBe(403);
      expect(answer.headers['access-control-allow-origin'], route).toBeUndefined();
    }
    // Without an Origin (a script run by the rebinding page's server side cannot reach 127.0.0.1 anyway) the Host alone decides.
    expect((await rawRequest(live.url, '/api/status', { host: `attacker.example:${port}` })).status).toBe(403);
    expect(context.metrics.counters.get('refused_host')).toBe(ROUTES.length + 2);
    expect(live.feed.clientCount).toBe(0);
  });

  it('accepts loopback names and addresses, with their own origin', async () => {
    const { sink: live } = await sink({});
    const { port } = new URL(live.url);
    for (const name of ['localhost', '127.0.0.1', '127.3.2.1', '[::1]', 'LOCALHOST']) {
      const own = { host: `${name}:${port}`, origin: `http://${name.toLowerCase()}:${port}` };
      expect((await rawRequest(live.url, '/ws', own, true)).status, name).toBe(101);
      const status = await rawRequest(live.url, '/api/status', own);
      expect(status.status, name).toBe(200);
      expect(status.headers['access-control-allow-origin'], name).toBe(own.origin);
      expect((await rawRequest(live.url, '/', { host: `${name}:${port}` })).status, name).toBe(200);
    }
    // localhost's page may not read 127.0.0.1's feed: different origins, as before.
    expect((await rawRequest(live.url, '/ws', { host: `127.0.0.1:${port}`, origin: `http://localhost:${port}` }, true)).status).toBe(403);
  });

  it('accepts the host of a listed origin and of the listen address', async () => {
    const { sink: listed } = await sink({ allowed_origins: ['http://lab-pc:3000'] });
    const port = new URL(listed.url).port;
    expect((await rawRequest(listed.url, '/api/status', { host: `lab-pc:${port}` })).status).toBe(200);
    expect((await rawRequest(listed.url, '/ws', { host: `lab-pc:${port}`, origin: 'http://lab-pc:3000' }, true)).status).toBe(101);
    expect((await rawRequest(listed.url, '/ws', { host: `lab-pc:${port}`, origin: 'http://other-pc:3000' }, true)).status).toBe(403);

    const { sink: named } = await sink({ listen: 'localhost:0' });
    const namedPort = new URL(named.url).port;
    expect((await rawRequest(named.url, '/api/status', { host: `localhost:${namedPort}` })).status).toBe(200);
    expect((await rawRequest(named.url, '/api/status', { host: `lab-pc:${namedPort}` })).status).toBe(403);
  });

  it('with allowed_origins "*", accepts any Host', async () => {
    const { sink: live } = await sink({ allowed_origins: ['*'] });
    const { port } = new URL(live.url);
    expect((await rawRequest(live.url, '/ws', { host: `anything.example:${port}`, origin: 'http://anything.example' }, true)).status).toBe(101);
  });
});

describe('websocket sink refusal log', () => {
  it('logs refused HTTP requests and upgrades, at most one line per reason per window, and counts every one', async () => {
    // Frames stop at the window: the sink's status interval runs on this scheduler too and would repeat forever.
    const scheduler = new VirtualTimeScheduler(VirtualAction, REFUSAL_LOG_WINDOW_MS);
    const { log, lines } = recordingLogger();
    const { sink: live, context } = await sink({ auth_token: TOKEN }, { log, scheduler });
    const refusedLines = () => lines.filter((l) => String(l.msg).startsWith('live view: refused'));

    for (let i = 0; i < 100; i++) expect((await fetch(new URL('metrics?token=bad', live.url))).status).toBe(401);
    expect(context.metrics.counters.get('refused_token')).toBe(100);
    expect(refusedLines()).toHaveLength(1);
    expect(refusedLines()[0]).toMatchObject({ level: 40, reason: 'token', path: '/metrics', remote: '127.0.0.1' });

    // Another reason gets its own line at once.
    const { port } = new URL(live.url);
    expect((await rawRequest(live.url, '/ws', { host: `attacker.example:${port}` }, true)).status).toBe(403);
    expect(refusedLines()).toHaveLength(2);
    expect(refusedLines()[1]).toMatchObject({ reason: 'host', path: '/ws', host: `attacker.example:${port}` });

    // After the window, the next refusal is logged with the number that were not.
    scheduler.schedule(() => undefined, REFUSAL_LOG_WINDOW_MS);
    scheduler.flush();
    expect(await tryConnect(wsUrl(live.url, '?token=wrong-token-value'))).toBe(401);
    expect(refusedLines()).toHaveLength(3);
    expect(refusedLines()[2]).toMatchObject({ reason: 'token', path: '/ws', not_logged: 99 });
    expect(refusedLines()[2].msg).toMatch(/99 more refused/);
    expect(context.metrics.counters.get('refused_token')).toBe(101);
  });
});

describe('websocket sink listen errors', () => {
  it('names the address and the fix when the port is taken', async () => {
    const { sink: first } = await sink({});
    const port = new URL(first.url).port;
    await expect(startSink({ listen: `127.0.0.1:${port}` })).rejects.toThrow(new RegExp(`cannot listen on 127.0.0.1:${port}: the port is in use`));
  });
});
