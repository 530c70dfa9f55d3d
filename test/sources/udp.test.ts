import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { frameView, type FramesBatch } from '../../src/core/batch.js';
import { standaloneContext, type StandaloneContext } from '../../src/core/standalone.js';
import { udpSource } from '../../src/sources/udp.js';
import { collect } from '../helpers/collect.js';
import { sendDatagram, sendIperfDatagrams } from '../helpers/iperf-sender.js';
import { waitFor } from '../helpers/wait.js';

describe('udp source', () => {
  let context: StandaloneContext;
  afterEach(() => context?.abort.abort());

  async function start(options: Record<string, unknown>) {
    context = standaloneContext('net', { kind: 'source', type: 'udp' });
    const run = collect(udpSource.create(udpSource.options.parse({ port: 0, ...options }), context));
    await waitFor(() => context.metrics.gauges.get('port') !== undefined, 'bound');
    return { run, port: context.metrics.gauges.get('port')!, frames: () => run.batches.flatMap((b) => framesOf(b as FramesBatch)) };
  }

  function framesOf(batch: FramesBatch) {
    return Array.from({ length: batch.count }, (_, i) => ({ data: Buffer.from(frameView(batch, i)), hostTimeNs: batch.hostTimeNs[i] }));
  }

  it('turns each datagram into one frame with its host time, in arrival order', async () => {
    const { run, port, frames } = await start({});
    // seq 1..200 with 5, 77, 150 lost and 10/11, 100/101 swapped
    const order = Array.from({ length: 200 }, (_, i) => i + 1).filter((s) => s !== 5 && s !== 77 && s !== 150);
    const swap = (a: number, b: number) => {
      const i = order.indexOf(a);
      const j = order.indexOf(b);
      [order[i], order[j]] = [order[j], order[i]];
    };
    swap(10, 11);
    swap(100, 101);
    await sendIperfDatagrams(port, order, 100);
    await waitFor(() => frames().length >= order.length, 'all datagrams');
    const got = frames();
    expect(got.map((f) => f.data.readUInt32BE(8))).toEqual(order);
    expect(got.every((f) => f.data.length === 100)).toBe(true);
    for (let i = 1; i < got.length; i++) expect(got[i].hostTimeNs).toBeGreaterThanOrEqual(got[i - 1].hostTimeNs);
    expect(run.batches.every((b) => b.kind === 'frames' && b.source === 'net')).toBe(true);
    expect(context.metrics.gauges.get('receive_buffer')).toBeGreaterThan(0);
  });

  it('counts oversize datagrams, dropping or truncating them', async () => {
    const dropping = await start({ max_datagram: 1000 });
    await sendDatagram(dropping.port, 1500);
    await sendDatagram(dropping.port, 500);
    await waitFor(() => dropping.frames().length === 1, 'the small datagram');
    expect(dropping.frames()[0].data.length).toBe(500);
    expect(context.metrics.errors.get('oversize')).toBe(1);
    context.abort.abort();

    const truncating = await start({ max_datagram: 1000, oversize: 'truncate' });
    await sendDatagram(truncating.port, 1500);
    await waitFor(() => truncating.frames().length === 1, 'the truncated datagram');
    expect(truncating.frames()[0].data.length).toBe(1000);
    expect(context.metrics.errors.get('truncated')).toBe(1);
  });

  it('holds datagrams while paused up to paused_buffer and counts the overrun', async () => {
    const { port, frames } = await start({ paused_buffer: 640 });
    context.flowSignal.hold();
    await sendIperfDatagrams(port, Array.from({ length: 30 }, (_, i) => i + 1), 64);
    await waitFor(() => context.metrics.errors.get('overrun') === 20, 'overrun counted');
    expect(frames()).toHaveLength(0);
    context.flowSignal.release();
    await waitFor(() => frames().length === 10, 'held datagrams after resume');
    expect(frames().map((f) => f.data.readUInt32BE(8))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it('receives a multicast group joined on the loopback interface', async () => {
    const { port, frames } = await start({ host: '239.1.2.3', multicast_group: '239.1.2.3', multicast_interface: '127.0.0.1' });
    const sender = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', () => resolve()));
      sender.setMulticastInterface('127.0.0.1');
      sender.setMulticastLoopback(true);
      await new Promise<void>((resolve, reject) => sender.send(Buffer.from('group'), port, '239.1.2.3', (error) => (error ? reject(error) : resolve())));
      await waitFor(() => frames().length === 1, 'the multicast datagram');
      expect(frames()[0].data.toString()).toBe('group');
    } finally {
      sender.close();
    }
  });

  it('completes when the pipeline stops', async () => {
    const { run } = await start({});
    context.abort.abort();
    await waitFor(() => run.completed, 'completion');
  });
});
