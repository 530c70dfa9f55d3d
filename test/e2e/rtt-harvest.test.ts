import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { COMPONENTS } from '../../src/components.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { ROOT } from '../helpers/cli.js';
import { collected, collectSink } from '../helpers/components.js';
import { QemuTarget, rttFirmware } from '../helpers/qemu.js';
import { expectedSums, FRAME_BYTES, harvestCommand } from '../helpers/rtt-firmware.js';
import { waitFor } from '../helpers/wait.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from '../sinks/recording/fixtures.js';

/**
 * pipelines/rtt.yml against the test firmware in QEMU: the firmware streams harvest frames over RTT,
 * the rtt source reads them through QEMU's gdbstub, and frame -> crc -> decode -> Parquet records them.
 */
const scratch = scratchDirs();

function pipeline(port: number, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(fs.readFileSync(path.join(ROOT, 'pipelines/rtt.yml'), 'utf8'));
  doc.setIn(['sources', 'node', 'address'], `127.0.0.1:${port}`);
  doc.setIn(['sources', 'node', 'backoff'], doc.createNode({ initial: '20ms', max: '200ms' }));
  doc.deleteIn(['sinks']);
  edit(doc);
  return doc.toString();
}

describe('pipelines/rtt.yml on the QEMU test target', () => {
  const targets: QemuTarget[] = [];
  afterEach(async () => {
    for (const target of targets.splice(0)) await target.stop();
  });
  async function target(): Promise<QemuTarget> {
    const t = new QemuTarget(rttFirmware());
    targets.push(t);
    await t.start();
    return t;
  }

  it('block_if_full: every frame arrives in order and the sums match what the firmware sent', async () => {
    const frames = 4000;
    const qemu = await target();
    const dir = scratch('rtt-harvest');
    const text = pipeline(qemu.port, (doc) => {
      doc.setIn(['sources', 'node', 'write', 'on_connect'], doc.createNode(harvestCommand(frames)));
      doc.setIn(['sinks', 'recording'], doc.createNode({ type: 'parquet', inputs: ['samples'], path: 'rtt.parquet' }));
    });
    const runner = new Runner(loadPipelineText(text, new Registry(COMPONENTS)), { log: silentLogger, dataDir: dir });
    const done = runner.run();
    const source = () => runner.metrics.snapshot().find((m) => m.id === 'node')!;
    await waitFor(() => (source().counters.bytes ?? 0) >= frames * FRAME_BYTES, `${frames} frames over RTT`, 20_000);
    runner.stop();
    const result = await done;
    expect(result.reason, result.error?.message).toBe('stopped');

    const metrics = Object.fromEntries(runner.metrics.snapshot().map((m) => [m.id, m]));
    expect(metrics.node.counters.bytes).toBe(frames * FRAME_BYTES);
    expect(metrics.node.counters.polls).toBeGreaterThan(0);
    expect(metrics.node.counters.halted_ns).toBeGreaterThan(0);
    expect(metrics['samples/frame'].errors).toEqual({});
    const expected = expectedSums(frames);
    expect(filesEndingWith(dir, '.parquet')).toHaveLength(1);
    await withDuckDB(async (db) => {
      const [got] = await query(db, `SELECT count(*)::INTEGER AS rows, count(DISTINCT seq)::INTEGER AS frames, min(seq)::INTEGER AS first, max(seq)::INTEGER AS last,
        sum(dropped_frames)::INTEGER AS dropped, sum(voltage_raw)::HUGEINT AS voltage, sum(current_raw)::HUGEINT AS current,
        count(*) FILTER (WHERE t_ticks <> seq * 250)::INTEGER AS ticks_off FROM '${dir}/rtt.parquet'`);
      expect(got).toEqual({ rows: expected.rows, frames, first: 0, last: frames - 1, dropped: 0, voltage: expected.voltage, current: expected.current, ticks_off: 0 });
    });
  });

  it('block_if_full with a slow sink: the source pauses, the firmware waits, and nothing is lost', { timeout: 45_000 }, async () => {
    const frames = 8000;
    const qemu = await target();
    const text = pipeline(qemu.port, (doc) => {
      doc.setIn(['sources', 'node', 'write', 'on_connect'], doc.createNode(harvestCommand(frames)));
      doc.setIn(['sinks', 'slow'], doc.createNode({ type: 'collect', inputs: ['samples'], keep: true, delay_ms: 60, buffer: { max_batches: 1 } }));
    });
    const runner = new Runner(loadPipelineText(text, new Registry([...COMPONENTS, collectSink])), { log: silentLogger });
    const done = runner.run();
    await waitFor(() => (collected.get('slow')?.batches ?? []).some((b) => b.kind === 'records' && lastSeq(b) === frames - 1), 'the last frame', 30_000);
    runner.stop();
    expect((await done).reason).toBe('stopped');
    const seqs = collected.get('slow')!.batches.flatMap((b) => (b.kind === 'records' ? [...new Set(Array.from(b.columns.seq as ArrayLike<number>, Number))] : []));
    expect(seqs).toEqual(Array.from({ length: frames }, (_, i) => i));
    const node = runner.metrics.snapshot().find((m) => m.id === 'node')!;
    expect(node.counters.bytes).toBe(frames * FRAME_BYTES);
    expect(node.counters.paused_polling).toBeGreaterThan(0);
    expect(runner.metrics.snapshot().find((m) => m.id === 'samples/rollover')!.counters.gaps ?? 0).toBe(0);
  });

  it('no_block_skip with a slow sink: losses show up as counted seq gaps, every frame that arrives is whole', { timeout: 45_000 }, async () => {
    const frames = 6000;
    const qemu = await target();
    const text = pipeline(qemu.port, (doc) => {
      doc.setIn(['sources', 'node', 'mode'], 'no_block_skip');
      doc.setIn(['sources', 'node', 'write', 'on_connect'], doc.createNode(harvestCommand(frames)));
      doc.setIn(['sinks', 'slow'], doc.createNode({ type: 'collect', inputs: ['samples'], keep: true, delay_ms: 30, buffer: { max_batches: 2 } }));
    });
    const runner = new Runner(loadPipelineText(text, new Registry([...COMPONENTS, collectSink])), { log: silentLogger });
    const done = runner.run();
    const terminal = () => runner.metrics.snapshot().find((m) => m.id === 'samples/rollover')!;
    // The last frame of a limited sequence always arrives (firmware README), whatever was lost before.
    await waitFor(() => (collected.get('slow')?.batches ?? []).some((b) => b.kind === 'records' && lastSeq(b) === frames - 1), 'the last frame', 30_000);
    runner.stop();
    const result = await done;
    expect(result.reason, result.error?.message).toBe('stopped');

    // Gaps counted here from the seq column alone, against the rollover operator's count.
    const seqs = [...new Set((collected.get('slow')!.batches).flatMap((b) => (b.kind === 'records' ? Array.from(b.columns.seq as ArrayLike<number>, Number) : [])))];
    expect(seqs[0]).toBe(0);
    let gaps = 0;
    for (let i = 1; i < seqs.length; i++) {
      expect(seqs[i]).toBeGreaterThan(seqs[i - 1]);
      gaps += seqs[i] - seqs[i - 1] - 1;
    }
    expect(gaps).toBeGreaterThan(0);
    expect(terminal().counters.gaps).toBe(gaps);
    const frame = runner.metrics.snapshot().find((m) => m.id === 'samples/frame')!;
    expect(frame.errors.crc ?? 0).toBe(0);
    expect(runner.metrics.snapshot().find((m) => m.id === 'node')!.counters.bytes).toBe(seqs.length * FRAME_BYTES);
    expect(seqs.length + gaps).toBe(frames);
  });
});

function lastSeq(batch: { columns: Record<string, unknown>; length: number }): number {
  const seq = batch.columns.seq as ArrayLike<number>;
  return batch.length > 0 ? Number(seq[batch.length - 1]) : -1;
}
