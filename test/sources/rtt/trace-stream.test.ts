import { afterEach, describe, expect, it } from 'vitest';
import { standaloneContext } from '../../../src/core/standalone.js';
import { rttSource } from '../../../src/sources/rtt/index.js';
import { collect } from '../../helpers/collect.js';
import { QemuTarget, rttFirmware } from '../../helpers/qemu.js';
import { traceCommand } from '../../helpers/rtt-firmware.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The test firmware's TraceRecorder stream on up channel 2, read over RTT and checked byte by byte
 * against the layout its README documents (PSF v10 header, timestamp info, entry table, events).
 */
describe('rtt-target trace stream (TzData)', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('is a PSF v10 stream with the documented tasks and switch schedule', async () => {
    const qemu = new QemuTarget(rttFirmware());
    cleanups.push(() => qemu.stop());
    await qemu.start();
    const hyperperiods = 5;
    const context = standaloneContext('rtt', { kind: 'source', type: 'rtt' });
    const options = rttSource.options.parse({ address: `127.0.0.1:${qemu.port}`, channel: 'TzData', control_block: { scan: [0x20000000, 0x10000] }, mode: 'block_if_full', write: { channel: 'Commands', on_connect: traceCommand(hyperperiods) } });
    const state = collect(rttSource.create(options, context));
    cleanups.push(() => state.subscription.unsubscribe());
    cleanups.push(() => context.abort.abort());
    const events = 1 + 7 * hyperperiods;
    const length = 280 + 12 + 16 * 7 * hyperperiods;
    await waitFor(() => state.bytes >= length, 'the whole trace', 15_000);
    const b = state.data();
    expect(b.length).toBe(length);

    expect(b.readUInt32LE(0)).toBe(0x50534600);
    expect([b.readUInt16LE(4), b.readUInt16LE(6), b.readUInt32LE(12)]).toEqual([10, 0x1aa1, 1]);
    expect(b.toString('latin1', 20, 28)).toBe('FreeRTOS');
    expect([b.readUInt32LE(32), b.readUInt32LE(36), b.readUInt32LE(48)]).toEqual([1, 1_000_000, 1000]);
    expect([b.readUInt32LE(60), b.readUInt32LE(64), b.readUInt32LE(68)]).toEqual([4, 32, 3]);
    const tasks = Array.from({ length: 4 }, (_, i) => {
      const at = 72 + 52 * i;
      return { handle: b.readUInt32LE(at), priority: b.readUInt32LE(at + 4), name: b.toString('latin1', at + 20, at + 52).replace(/\0+$/, '') };
    });
    expect(tasks).toEqual([
      { handle: 0x1001, priority: 0, name: 'IDLE' },
      { handle: 0x1002, priority: 3, name: 'sensor' },
      { handle: 0x1003, priority: 2, name: 'radio' },
      { handle: 0x1004, priority: 1, name: 'logger' },
    ]);

    // TRACE_START, then TASK_ACTIVATE (task, priority) at each switch-in; counts from 1 without gaps.
    expect([b.readUInt16LE(280), b.readUInt16LE(282), b.readUInt32LE(284), b.readUInt32LE(288)]).toEqual([0x1001, 1, 0, 0x1001]);
    const busy: Record<string, number> = { IDLE: 0, sensor: 0, radio: 0, logger: 0 };
    let previous: { t: number; name: string } | undefined;
    for (let e = 1; e < events; e++) {
      const at = 292 + 16 * (e - 1);
      expect(b.readUInt16LE(at)).toBe(0x2037);
      expect(b.readUInt16LE(at + 2)).toBe(e + 1);
      const t = b.readUInt32LE(at + 4);
      const task = tasks.find((x) => x.handle === b.readUInt32LE(at + 8))!;
      expect(b.readUInt32LE(at + 12)).toBe(task.priority);
      if (previous) busy[previous.name] += t - previous.t;
      previous = { t, name: task.name };
    }
    busy[previous!.name] += hyperperiods * 10_000 - previous!.t;
    const total = hyperperiods * 10_000;
    expect(Object.fromEntries(Object.entries(busy).map(([k, v]) => [k, v / total]))).toEqual({ IDLE: 0.45, sensor: 0.4, radio: 0.1, logger: 0.05 });
  });
});
