import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { COMPONENTS } from '../../src/components.js';
import type { RecordsBatch } from '../../src/core/batch.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { runCli, ROOT } from '../helpers/cli.js';
import { collectSink, collected } from '../helpers/components.js';

const registry = new Registry([...COMPONENTS, collectSink]);
const HARVEST = readFileSync(path.join(ROOT, 'pipelines/harvest.yml'), 'utf8');

/** pipelines/harvest.yml as shipped, with the simulator at full speed for a fixed number of frames and faults on. */
async function runHarvest(faults: Record<string, number>, frames: number, seed: number) {
  const config = parse(HARVEST);
  config.sources.node = { ...config.sources.node, rate: 'max', frames, seed, faults };
  config.sinks = { out: { type: 'collect', inputs: ['samples'], keep: true } };
  const plan = loadPipelineText(stringify(config), registry);
  const result = await new Runner(plan, { log: silentLogger }).run();
  expect(result.reason).toBe('completed');
  const m = (id: string) => result.metrics.get(id)!;
  return {
    injected: Object.fromEntries(m('node').counters),
    frame: Object.fromEntries(m('samples/frame').errors),
    framed: m('samples/frame').counters.get('framed_bytes') ?? 0,
    bytesIn: m('samples/frame').bytesIn,
    rows: collected.get('out')!.items,
    batches: collected.get('out')!.batches as RecordsBatch[],
  };
}

const FRAME_BYTES = 213;

describe('harvest.yml on the simulator with fault injection', () => {
  // harvest.yml writes frame and crc as two steps; the crc check runs inside the framer (one pass),
  // so its failures are counted on samples/frame and a damaged frame never hides a good one.
  it('counts exactly the CRC failures the simulator injected and accounts for every byte', async () => {
    const r = await runHarvest({ bit_flip: 0.01, garbage: 0.01 }, 20_000, 3);
    expect(r.injected.injected_bit_flips).toBeGreaterThan(100);
    expect(r.injected.injected_garbage_bytes).toBeGreaterThan(1000);
    expect(r.frame.crc).toBe(r.injected.injected_bit_flips);
    expect(r.framed).toBe((r.injected.frames_sent - r.injected.injected_bit_flips) * FRAME_BYTES);
    expect(r.framed + r.frame.resync_bytes).toBe(r.bytesIn);
    expect(r.rows).toBe((r.injected.frames_sent - r.injected.injected_bit_flips) * 25);
    const [first] = r.batches;
    // The decoded columns, then what rollover (gaps, epoch) and derive (time, calibration, power) add.
    expect(first.schema.fields.map((f) => f.name)).toEqual(['seq', 't_ticks', 'voltage_raw', 'current_raw', 'i', 'host_time', 'dropped_frames', 'seq_epoch', 't_device_ns', 'voltage', 'current', 'power']);
  });

  it('counts truncated frames and garbage as resync bytes and loses no intact frame', async () => {
    const r = await runHarvest({ truncate: 0.01, garbage: 0.01, drop: 0.01 }, 20_000, 5);
    expect(r.injected.injected_truncations).toBeGreaterThan(100);
    expect(r.frame.resync_bytes).toBe(r.injected.injected_garbage_bytes + r.injected.injected_truncated_bytes);
    expect(r.frame.crc ?? 0).toBe(0);
    expect(r.rows).toBe((r.injected.frames_sent - r.injected.injected_truncations) * 25);
    // Every sequence number that was sent intact arrives once, in order.
    const seqs = r.batches.flatMap((b) => Array.from(b.columns.seq as Float64Array).filter((_, row) => (b.columns.i as Uint32Array)[row] === 0));
    for (let k = 1; k < seqs.length; k++) expect(seqs[k]).toBeGreaterThan(seqs[k - 1]);
  });

  it('keeps every good frame when bit flips, truncation, garbage and drops come together', async () => {
    const r = await runHarvest({ bit_flip: 0.01, truncate: 0.01, garbage: 0.01, drop: 0.005 }, 40_000, 11);
    // Frames both flipped and cut short are counted once: the good ones are sent, whole and unflipped.
    const good = r.batches.reduce((n, b) => n + b.length, 0) / 25;
    expect(r.injected.injected_truncations).toBeGreaterThan(200);
    expect(r.framed).toBe(good * FRAME_BYTES);
    expect(r.framed + r.frame.resync_bytes).toBe(r.bytesIn);
    expect(good).toBeGreaterThanOrEqual(r.injected.frames_sent - r.injected.injected_truncations - r.injected.injected_bit_flips);
    expect(good).toBeLessThanOrEqual(r.injected.frames_sent - Math.max(r.injected.injected_truncations, r.injected.injected_bit_flips));
    expect(r.frame.crc).toBeGreaterThan(0);
  });

  it('prints the same counts in the run summary of `pipeline run`', async () => {
    const result = await runCli(['run', 'pipelines/harvest.yml', '--duration', '1500ms', '--log-level', 'warn', '--set', 'sources.node.faults.bit_flip=0.02', '--set', 'sources.node.faults.garbage=0.02']);
    expect(result.code).toBe(0);
    const injectedFlips = Number(/injected_bit_flips=(\d+)/.exec(result.stderr)?.[1]);
    expect(injectedFlips).toBeGreaterThan(0);
    expect(result.stderr).toMatch(new RegExp(`^samples/frame\\s.*\\scrc=${injectedFlips}\\s`, 'm'));
    expect(result.stdout).toMatch(/errors .*crc=\d+/);
  });
});
