import { afterEach, describe, expect, it } from 'vitest';
import { parseControl } from '../../../src/sinks/websocket/feed.js';
import { TestClient, sampleBatch, startSink, wsUrl } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function sink(options: Record<string, unknown> = {}) {
  const started = await startSink(options);
  cleanups.push(() => started.sink.close());
  return started;
}

function client(url: string, headers?: Record<string, string>) {
  const c = new TestClient(url, headers);
  cleanups.push(() => c.close());
  return c;
}

describe('websocket sink feed', () => {
  it('greets with hello and schemas, replays history, then streams live batches', async () => {
    const { sink: live, context } = await sink();
    live.write(sampleBatch(0, 100));
    live.write(sampleBatch(100, 100));
    const c = client(wsUrl(live.url));
    await c.opened;
    await c.until(() => c.control.some((m) => m.type === 'live'), 'the live marker');
    const hello = c.control[0];
    expect(hello).toMatchObject({ type: 'hello', protocol: 1, pipeline: 'test', sink: 'live', history_ms: 10_000 });
    expect(BigInt(hello.anchor_wall_ns)).toBe(context.clock.anchorWallNs);
    expect(hello.streams.samples.fields.map((f: { name: string }) => f.name)).toEqual(['host_time', 'voltage', 'seq']);
    expect(c.control.find((m) => m.type === 'live').history_batches).toBe(2);
    expect(c.data.map((d) => d.header.seq)).toEqual([1, 2]);

    live.write(sampleBatch(200, 50));
    await c.until(() => c.data.length === 3, 'the live batch');
    const last = c.data[2];
    expect(last.header).toMatchObject({ stream: 'samples', seq: 3, rows: 50 });
    expect(last.columns.seq[0]).toBe(200);
    expect(last.columns.voltage[49]).toBeCloseTo(2 + Math.sin(249 / 100), 12);
  });

  it('announces a changed schema before the data that uses it', async () => {
    const { sink: live } = await sink();
    const c = client(wsUrl(live.url, '?history=0'));
    await c.opened;
    await c.until(() => c.control.some((m) => m.type === 'live'), 'the live marker');
    live.write(sampleBatch(0, 10, 'other'));
    await c.until(() => c.data.length === 1, 'data of the new stream');
    const schema = c.control.find((m) => m.type === 'schema');
    expect(schema).toMatchObject({ stream: 'other' });
    expect(c.control.indexOf(schema)).toBeGreaterThan(0);
  });

  it('sends only subscribed columns (plus time) and honors subscribe and max_rate messages', async () => {
    const { sink: live } = await sink();
    const c = client(wsUrl(live.url, '?columns=voltage&history=0'));
    await c.opened;
    await c.until(() => c.control.some((m) => m.type === 'live'), 'the live marker');
    live.write(sampleBatch(0, 10));
    await c.until(() => c.data.length === 1, 'first batch');
    expect(c.data[0].header.columns).toEqual(['host_time', 'voltage']);

    c.socket.send(JSON.stringify({ type: 'subscribe', columns: ['seq'] }));
    await c.until(() => live.feed.clientSnapshots()[0]?.columns?.[0] === 'seq', 'subscription applied');
    live.write(sampleBatch(10, 10));
    await c.until(() => c.data.length === 2, 'second batch');
    expect(c.data[1].header.columns).toEqual(['host_time', 'seq']);

    c.socket.send(JSON.stringify({ type: 'max_rate', per_second: 0.001 }));
    await c.until(() => live.feed.clientSnapshots()[0]?.max_rate === 0.001, 'max_rate applied');
    live.write(sampleBatch(20, 10)); // within 1000 s of the last one sent: rate limited
    await c.until(() => live.feed.clientSnapshots()[0].rate_limited_batches === 1, 'rate limit counted');
    expect(c.data.length).toBe(2);
  });

  it('answers a bad control message with an error message and counts it', async () => {
    const { sink: live, context } = await sink();
    const c = client(wsUrl(live.url));
    await c.opened;
    c.socket.send('{not json');
    c.socket.send(JSON.stringify({ type: 'subscribe', columns: 'voltage' }));
    await c.until(() => c.control.filter((m) => m.type === 'error').length === 2, 'two errors');
    expect(c.control.filter((m) => m.type === 'error').map((m) => m.message)).toEqual(['control message is not valid JSON', expect.stringMatching(/columns/)]);
    expect(context.metrics.errors.get('bad_control_message')).toBe(2);
  });

  it('pushes status messages with every component and the client\'s own counters', async () => {
    const { sink: live, context } = await sink({ status_interval: '50ms' });
    context.registry.register('node', 'source', 'simulator').itemsOut = 1234;
    const c = client(wsUrl(live.url));
    await c.opened;
    await c.until(() => c.control.some((m) => m.type === 'status'), 'a status message');
    const status = c.control.find((m) => m.type === 'status');
    expect(status.components.map((s: { id: string }) => s.id).sort()).toEqual(['live', 'node']);
    expect(status.components.find((s: { id: string }) => s.id === 'node').items_out).toBe(1234);
    expect(status.client).toMatchObject({ id: 1, dropped_batches: 0 });
  });

  it('serves the page, uPlot, /metrics and /api/status', async () => {
    const { sink: live, context } = await sink();
    context.metrics.count('client_dropped_batches', 3);
    live.write(sampleBatch(0, 5));
    const page = await fetch(live.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<script type="module" src="app.js">/);
    const uplot = await fetch(new URL('vendor/uPlot.esm.js', live.url));
    expect(uplot.status).toBe(200);
    expect(await uplot.text()).toMatch(/export \{ uPlot as default \}|export default/);
    expect((await fetch(new URL('protocol.js', live.url))).status).toBe(200);
    expect((await fetch(new URL('protocol.d.ts', live.url))).status).toBe(404);
    expect((await fetch(new URL('../package.json', live.url))).status).toBe(404);

    const metrics = await (await fetch(new URL('metrics', live.url))).text();
    expect(metrics).toMatch(/pipeline_items_in_total\{component="live",kind="sink",type="websocket"\} 0/);
    expect(metrics).toMatch(/pipeline_events_total\{component="live",kind="sink",type="websocket",event="client_dropped_batches"\} 3/);
    const status = await (await fetch(new URL('api/status', live.url))).json();
    expect(status).toMatchObject({ pipeline: 'test', clients: [] });
    expect(status.components[0]).toMatchObject({ id: 'live', counters: { client_dropped_batches: 3 } });
  });

  it('closes clients with "going away" when the pipeline stops', async () => {
    const { sink: live } = await startSink();
    const c = client(wsUrl(live.url));
    await c.opened;
    await live.close();
    await c.until(() => c.closeCode !== undefined, 'the close');
    expect(c.closeCode).toBe(1001);
    expect(c.control.at(-1).type).toBe('status');
  });
});

describe('websocket sink robustness', () => {
  it('counts a batch it cannot publish instead of failing the pipeline', async () => {
    const { sink: live, context } = await sink();
    const c = client(wsUrl(live.url));
    await c.opened;
    await c.until(() => c.control.some((m) => m.type === 'live'), 'the live marker');
    // A batch that breaks the contract (a field without its column), as a buggy operator could emit.
    const broken = { kind: 'records', source: 'bad', schema: { fields: [{ name: 'a', type: 'f64' }] }, columns: {}, length: 3 };
    expect(() => live.write(broken as never)).not.toThrow();
    expect(context.metrics.errors.get('publish_failed')).toBe(1);
    live.write(sampleBatch(0, 5));
    await c.until(() => c.data.length === 1, 'the next good batch');
  });
});

describe('parseControl', () => {
  it('accepts subscribe and max_rate, rejects the rest with a reason', () => {
    expect(parseControl('{"type":"subscribe","columns":["a"],"streams":null}')).toEqual({ columns: ['a'], streams: null });
    expect(parseControl('{"type":"max_rate","per_second":30}')).toEqual({ maxRate: 30 });
    expect(parseControl('{"type":"max_rate","per_second":-1}')).toMatch(/per_second/);
    expect(parseControl('{"type":"nope"}')).toMatch(/unknown control message type "nope"/);
    expect(parseControl(null)).toMatch(/not binary/);
  });
});
