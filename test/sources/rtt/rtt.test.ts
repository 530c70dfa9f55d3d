import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { standaloneContext } from '../../../src/core/standalone.js';
import { rttSource } from '../../../src/sources/rtt/index.js';
import { ROOT } from '../../helpers/cli.js';
import { collect } from '../../helpers/collect.js';
import { readFrames } from '../../helpers/frames.js';
import { RawGdb, symbolAddress, waitForControlBlock } from '../../helpers/gdb-raw.js';
import { QemuTarget, rttFirmware } from '../../helpers/qemu.js';
import { FRAME_BYTES, harvestCommand } from '../../helpers/rtt-firmware.js';
import { waitFor } from '../../helpers/wait.js';

/** The rtt source against the test firmware in QEMU, through QEMU's gdbstub. */
const elf = rttFirmware();
const block = symbolAddress(elf, '_SEGGER_RTT');
const up = (index: number) => block + 24 + 24 * index;
const HARVEST = 1;

describe('rtt source (connect: gdb) on the QEMU test target', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function target(): Promise<QemuTarget> {
    const t = new QemuTarget(elf);
    cleanups.push(() => t.stop());
    await t.start();
    return t;
  }
  function run(raw: Record<string, unknown>) {
    const context = standaloneContext('rtt', { kind: 'source', type: 'rtt', dataDir: ROOT });
    const options = rttSource.options.parse({ backoff: { initial: '20ms', max: '200ms' }, ...raw });
    const state = collect(rttSource.create(options, context));
    cleanups.push(() => state.subscription.unsubscribe());
    cleanups.push(() => context.abort.abort());
    return { state, context, metrics: context.metrics };
  }

  it('finds the block by its ELF symbol, picks channels by name, and gives the channel its mode back at stop', async () => {
    const qemu = await target();
    const frames = 200;
    const { state, context, metrics } = run({
      address: `127.0.0.1:${qemu.port}`,
      control_block: { elf: path.relative(ROOT, elf) },
      channel: 'Harvest',
      mode: 'block_if_full',
      write: { channel: 'Commands', on_connect: harvestCommand(frames) },
    });
    await waitFor(() => state.bytes >= frames * FRAME_BYTES, 'the frames', 15_000);
    const { frames: got, skipped } = readFrames(state.data());
    expect(skipped).toBe(0);
    expect(got.map((f) => f.seq)).toEqual(Array.from({ length: frames }, (_, i) => i));
    expect(got.every((f) => f.crcOk)).toBe(true);
    expect(metrics.counters.get('written_bytes')).toBe(9);
    // Attached at reset, before the firmware set up RTT (250 ms after reset): it had to look again.
    expect(metrics.counters.get('rescans')).toBeGreaterThan(0);
    context.abort.abort();
    await waitFor(() => state.completed, 'the source to complete');

    // Checked apart from the source: Flags of the harvest channel are the firmware's again (no_block_skip).
    const gdb = await RawGdb.connect(qemu.port);
    const flags = (await gdb.read(up(HARVEST) + 20, 4)).readUInt32LE(0);
    await gdb.detach();
    expect(flags & 3).toBe(0);
  });

  it('re-attaches after the target is reset (QEMU killed and started again), re-finds the block and counts the reconnect', async () => {
    const qemu = await target();
    const { state, metrics } = run({
      address: `127.0.0.1:${qemu.port}`,
      control_block: { scan: [0x20000000, 0x10000] },
      channel: HARVEST,
      mode: 'block_if_full',
      write: { channel: 0, on_connect: harvestCommand(0, 500) },
    });
    await waitFor(() => state.bytes > 20 * FRAME_BYTES, 'data before the reset', 15_000);
    await qemu.stop();
    await waitFor(() => metrics.counters.get('disconnects') === 1, 'the lost connection');
    const before = state.bytes;
    await qemu.start();
    await waitFor(() => metrics.counters.get('reconnects') === 1, 'the reconnect', 15_000);
    await waitFor(() => state.bytes > before + 20 * FRAME_BYTES, 'data after the reset', 15_000);

    const { frames } = readFrames(state.data());
    expect(frames.every((f) => f.crcOk)).toBe(true);
    const restarts = frames.filter((f, i) => i > 0 && f.seq !== frames[i - 1].seq + 1);
    expect(restarts.map((f) => f.seq)).toEqual([0]); // the sequence starts again once, with the new boot
    expect(frames[0].seq).toBe(0);
    expect(metrics.gauges.get('connection')).toBe(2);
  });

  it('follows a reset of the target behind the same connection: finds the new block and starts it again', async () => {
    const qemu = await target();
    const { state, metrics, context } = run({
      address: `127.0.0.1:${qemu.port}`,
      control_block: { scan: [0x20000000, 0x10000] },
      channel: HARVEST,
      mode: 'block_if_full',
      write: { channel: 0, on_connect: harvestCommand(0, 500) },
    });
    await waitFor(() => state.bytes > 20 * FRAME_BYTES, 'data before the reset', 15_000);
    expect(context.devices.link('rtt').current()!.write(Buffer.from([0x52, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(true);
    await waitFor(() => (metrics.counters.get('block_changes') ?? 0) >= 1, 'the block change', 15_000);
    const before = state.bytes;
    await waitFor(() => state.bytes > before + 20 * FRAME_BYTES, 'data after the reset', 15_000);

    const { frames } = readFrames(state.data());
    expect(frames.every((f) => f.crcOk)).toBe(true);
    const restarts = frames.filter((f, i) => i > 0 && f.seq !== frames[i - 1].seq + 1);
    expect(restarts.map((f) => f.seq)).toEqual([0]);
    expect(metrics.counters.get('reconnects') ?? 0).toBe(0);
    expect(metrics.counters.get('written_bytes')).toBe(9 + 9 + 9); // start, reset, start again
  });

  describe('refuses a corrupt control block with a clear error', () => {
    async function corrupted(corrupt: (gdb: RawGdb) => Promise<void>): Promise<{ error: Error | undefined; errors: Map<string, number> }> {
      const qemu = await target();
      const gdb = await RawGdb.connect(qemu.port);
      await waitForControlBlock(gdb, block);
      await corrupt(gdb);
      await gdb.detach();
      const { state, metrics } = run({ address: `127.0.0.1:${qemu.port}`, control_block: { scan: [0x20000000, 0x10000] }, channel: HARVEST, retry: false });
      await waitFor(() => state.error !== undefined, 'the source to fail');
      expect(state.bytes).toBe(0);
      return { error: state.error, errors: metrics.errors };
    }

    it('a channel of size 0', async () => {
      const { error, errors } = await corrupted((gdb) => gdb.writeU32(up(HARVEST) + 8, 0));
      expect(error?.message).toMatch(/up channel 1 has size 0/);
      expect(errors.get('invalid_control_block')).toBe(1);
    });

    it('an offset past the buffer size', async () => {
      const { error } = await corrupted((gdb) => gdb.writeU32(up(HARVEST) + 12, 99_999));
      expect(error?.message).toMatch(/up channel 1 has WrOff 99999 past its size 65536 \(corrupt descriptor; refusing to read it\)/);
    });

    it('two IDs in the scan range', async () => {
      const { error } = await corrupted((gdb) => gdb.write(0x2000f000, Buffer.from('SEGGER RTT\0\0\0\0\0\0', 'latin1')));
      expect(error?.message).toMatch(/found 2 RTT control block IDs in the scan range .* \(at 0x[0-9a-f]+, 0x2000f000\)/);
    });
  });
});
