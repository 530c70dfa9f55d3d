import { afterEach, describe, expect, it } from 'vitest';
import { TestClient, sampleBatch, startSink, wsUrl } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function client(url: string) {
  const c = new TestClient(url);
  cleanups.push(() => c.close());
  return c;
}

/** A sink reading two transforms, `preview` and `samples`, that both carry batches of the source `node`. */
async function twoInputSink() {
  const started = await startSink({}, { inputs: ['preview', 'samples'] });
  cleanups.push(() => started.sink.close());
  return started;
}

describe('websocket sink streams', () => {
  it('names streams after the sink input a batch arrived on, and lists every input in hello', async () => {
    const { sink } = await twoInputSink();
    await sink.write(sampleBatch(0, 10, 'node'), 'preview');
    const all = client(wsUrl(sink.url));
    await all.until(() => all.control.some((m) => m.type === 'live'), 'the live marker');
    const hello = all.control[0];
    // `samples` has sent nothing yet, but a client can already ask for it.
    expect(Object.keys(hello.streams)).toEqual(['preview', 'samples']);
    expect(hello.streams.preview.fields.map((f: { name: string }) => f.name)).toEqual(['host_time', 'voltage', 'seq']);
    expect(hello.streams.samples.fields).toEqual([]);
    expect(all.data.map((d) => d.header.stream)).toEqual(['preview']);

    const previewOnly = client(wsUrl(sink.url, '?streams=preview&history=0'));
    await previewOnly.until(() => previewOnly.control.some((m) => m.type === 'live'), 'the live marker');
    await sink.write(sampleBatch(10, 5, 'node'), 'samples');
    await sink.write(sampleBatch(10, 7, 'node'), 'preview');
    await all.until(() => all.data.length === 3, 'both live batches');
    await previewOnly.until(() => previewOnly.data.length === 1, 'the preview batch');
    expect(all.control.find((m) => m.type === 'schema')).toMatchObject({ stream: 'samples' });
    expect(all.data.map((d) => [d.header.stream, d.header.rows])).toEqual([['preview', 10], ['samples', 5], ['preview', 7]]);
    expect(previewOnly.data.map((d) => [d.header.stream, d.header.rows])).toEqual([['preview', 7]]);
    expect(previewOnly.control.some((m) => m.type === 'error')).toBe(false);
  });

  it('answers a stream that is none of the inputs with an error naming the streams, at connect and on subscribe', async () => {
    const { sink, context } = await twoInputSink();
    await sink.write(sampleBatch(0, 10, 'node'), 'preview');
    const wrong = client(wsUrl(sink.url, '?streams=node'));
    await wrong.until(() => wrong.control.some((m) => m.type === 'error'), 'the error');
    const error = wrong.control.find((m) => m.type === 'error');
    expect(error).toMatchObject({ code: 'unknown_stream', streams: ['preview', 'samples'] });
    expect(error.message).toBe('no stream "node"; streams: preview, samples (the sink\'s inputs)');

    const later = client(wsUrl(sink.url));
    await later.until(() => later.control.some((m) => m.type === 'live'), 'the live marker');
    later.socket.send(JSON.stringify({ type: 'subscribe', streams: ['previwe'] }));
    await later.until(() => later.control.some((m) => m.type === 'error'), 'the error');
    expect(later.control.find((m) => m.type === 'error').message).toMatch(/^no stream "previwe" \(did you mean "preview"\?\); streams: preview, samples/);
    expect(context.metrics.snapshot().errors.unknown_stream).toBe(2);
  });

  it('without known inputs (standalone use) names streams after the batch source', async () => {
    const started = await startSink();
    cleanups.push(() => started.sink.close());
    await started.sink.write(sampleBatch(0, 3, 'node'));
    const c = client(wsUrl(started.sink.url, '?streams=other'));
    await c.until(() => c.control.some((m) => m.type === 'live'), 'the live marker');
    expect(Object.keys(c.control[0].streams)).toEqual(['node']);
    expect(c.control.some((m) => m.type === 'error')).toBe(false);
  });
});
