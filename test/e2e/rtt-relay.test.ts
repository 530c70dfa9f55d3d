import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { COMPONENTS } from '../../src/components.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { encodeFrame } from '../../src/sources/simulator/protocol.js';
import { collected, collectSink } from '../helpers/components.js';
import { QemuTarget, rttFirmware } from '../helpers/qemu.js';
import { expectedFrames, FRAME_BYTES, harvestCommand } from '../helpers/rtt-firmware.js';
import { waitFor } from '../helpers/wait.js';

/**
 * One probe, several tools: a pipeline reads the target through QEMU's gdbstub and serves the raw
 * channel bytes with the relay sink, the way OpenOCD's `rtt server` does; a second pipeline reads
 * them back with `connect: tcp`, skipping the relay's banner, and starts the firmware by writing its
 * command through the relay into the RTT down channel.
 */
describe('relay as an RTT server', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('delivers every byte of the channel to a second pipeline, and its command reaches the down channel', { timeout: 45_000 }, async () => {
    const frames = 3000;
    const qemu = new QemuTarget(rttFirmware());
    cleanups.push(() => qemu.stop());
    await qemu.start();
    const registry = new Registry([...COMPONENTS, collectSink]);

    const probe = new Runner(
      loadPipelineText(
        stringify({
          name: 'probe',
          sources: { node: { type: 'rtt', address: `127.0.0.1:${qemu.port}`, channel: 'Harvest', control_block: { scan: [0x20000000, 0x10000] }, mode: 'block_if_full', write: { channel: 'Commands' } } },
          sinks: { share: { type: 'relay', inputs: ['node'], listen: '127.0.0.1:0', banner: 'rtt-target Harvest (relay)', client_buffer: '8MiB', write_through: 'node', when_full: 'block' } },
        }),
        registry,
      ),
      { log: silentLogger },
    );
    const probeDone = probe.run();
    cleanups.push(() => probe.stop());
    const share = () => probe.metrics.snapshot().find((m) => m.id === 'share');
    await waitFor(() => share()?.gauges.port !== undefined, 'the relay port');
    // Write-through reaches the target only while the source is attached (else it is counted and dropped).
    await waitFor(() => probe.metrics.snapshot().find((m) => m.id === 'node')?.gauges.connected === 1, 'the probe attached', 15_000);

    const tool = new Runner(
      loadPipelineText(
        stringify({
          name: 'tool',
          sources: { relayed: { type: 'rtt', connect: 'tcp', address: `127.0.0.1:${share()!.gauges.port}`, skip_banner: 1, write: { on_connect: harvestCommand(frames) } } },
          sinks: { got: { type: 'collect', inputs: ['relayed'], keep: true } },
        }),
        registry,
      ),
      { log: silentLogger },
    );
    const toolDone = tool.run();
    cleanups.push(() => tool.stop());
    await waitFor(() => (collected.get('got')?.items ?? 0) >= frames * FRAME_BYTES, 'every byte at the second pipeline', 30_000);

    tool.stop();
    probe.stop();
    expect((await toolDone).reason).toBe('stopped');
    expect((await probeDone).reason).toBe('stopped');
    const received = Buffer.concat(collected.get('got')!.batches.map((b) => (b.kind === 'bytes' ? b.data : Buffer.alloc(0))));
    expect(received.equals(expectedFrames(frames, encodeFrame))).toBe(true);
    const metrics = (runner: Runner, id: string) => runner.metrics.snapshot().find((m) => m.id === id)!;
    expect(metrics(tool, 'relayed').counters.banner_bytes).toBe('rtt-target Harvest (relay)\n'.length);
    expect(metrics(probe, 'share').counters.written_through_bytes).toBe(9);
    expect(metrics(probe, 'node').counters.written_bytes).toBe(9);
    expect(metrics(probe, 'share').counters.client_dropped_bytes ?? 0).toBe(0);
  });
});
