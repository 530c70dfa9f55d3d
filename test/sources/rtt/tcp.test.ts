import { afterEach, describe, expect, it } from 'vitest';
import { standaloneContext } from '../../../src/core/standalone.js';
import { rttSource } from '../../../src/sources/rtt/index.js';
import { collect } from '../../helpers/collect.js';
import { TcpDevice } from '../../helpers/tcp-device.js';
import { waitFor } from '../../helpers/wait.js';

/** The rtt source with `connect: tcp` against a real socket server playing J-Link's RTT telnet port. */
describe('rtt source (connect: tcp)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const BANNER = 'SEGGER J-Link V7.94 - Real time terminal output\r\nJ-Link V11 compiled Jan 1 2026\r\nProcess: JLinkGDBServerCLExe\r\n';

  it('sends the telnet config string and on_connect, skips the banner lines, passes every byte after them, and writes through', async () => {
    const device = new TcpDevice();
    await device.start();
    cleanups.push(() => device.stop());
    const context = standaloneContext('rtt', { kind: 'source', type: 'rtt' });
    const options = rttSource.options.parse({ connect: 'tcp', address: `127.0.0.1:${device.port}`, skip_banner: 3, telnet_config: 'RTTCh;1', write: { on_connect: '53 00' }, backoff: { initial: '20ms', max: '100ms' } });
    const state = collect(rttSource.create(options, context));
    cleanups.push(() => context.abort.abort());
    cleanups.push(() => state.subscription.unsubscribe());
    const greeting = '$$SEGGER_TELNET_ConfigStr=RTTCh;1$$S\0';
    await waitFor(() => device.sockets.size === 1 && device.received.length >= greeting.length, 'the connection and its greeting');
    expect(device.received.toString('latin1')).toBe(greeting);

    // The banner split mid-line across writes, then channel data that contains newlines itself.
    const data = Buffer.from('7B 01\nframe bytes\r\n\x00\xff', 'latin1');
    await device.write(Buffer.from(BANNER.slice(0, 30)));
    await device.write(Buffer.concat([Buffer.from(BANNER.slice(30)), data.subarray(0, 4)]));
    await device.write(data.subarray(4));
    await waitFor(() => state.bytes === data.length, 'the channel data');
    expect(state.data().equals(data)).toBe(true);
    expect(context.metrics.counters.get('banner_bytes')).toBe(BANNER.length);

    expect(context.devices.link('rtt').current()!.write(Buffer.from('T'))).toBe(true);
    await waitFor(() => device.received.toString('latin1').endsWith('S\0T'), 'the written-through byte');

    // The server goes away and comes back: a new connection, with its own banner skipped again.
    await device.stop();
    await device.start();
    await waitFor(() => context.metrics.counters.get('reconnects') === 1 && device.sockets.size === 1, 'the reconnect');
    await device.write(Buffer.from(`${BANNER}more`));
    await waitFor(() => state.bytes === data.length + 4, 'data after the reconnect');
    expect(state.data().subarray(data.length).toString()).toBe('more');
  });

  it('rejects a gdb connection without a control block, naming the key', () => {
    const result = rttSource.options.safeParse({ address: '127.0.0.1:3333' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ path: ['control_block'], message: expect.stringMatching(/connect: gdb needs `control_block`/) });
    expect(rttSource.options.safeParse({ address: 'nowhere' }).error?.issues[0].message).toMatch(/is not host:port/);
  });
});
