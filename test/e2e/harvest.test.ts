import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { COMPONENTS } from '../../src/components.js';
import type { RecordsBatch } from '../../src/core/batch.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { collectSink, collected } from '../helpers/components.js';
import { flatten, flattenNumbers } from '../operators/records-helpers.js';

/**
 * pipelines/harvest.yml as shipped (its transforms untouched), with the simulator at full speed for
 * 8,000 frames (2 s of device time) starting 0.4 s before the u32 timer and 200 frames before the u16
 * sequence wrap, dropping 1 % of frames; its sinks swapped for collecting ones.
 */
async function runHarvest() {
  const config = parse(readFileSync(new URL('../../pipelines/harvest.yml', import.meta.url), 'utf8'));
  Object.assign(config.sources.node, { rate: 'max', frames: 8000, batch_frames: 100, start_ticks: 2 ** 32 - 400_000, start_seq: 65336, seed: 7, faults: { drop: 0.01 } });
  config.sinks = {
    samples_out: { type: 'collect', inputs: ['samples'], keep: true },
    preview_out: { type: 'collect', inputs: ['preview'], keep: true },
    status_out: { type: 'collect', inputs: ['status'], keep: true },
  };
  const plan = loadPipelineText(stringify(config), new Registry([...COMPONENTS, collectSink]));
  const result = await new Runner(plan, { log: silentLogger }).run();
  expect(result.reason).toBe('completed');
  return { metrics: result.metrics, samples: collected.get('samples_out')!.batches, preview: collected.get('preview_out')!.batches, status: collected.get('status_out')!.batches };
}

describe('pipelines/harvest.yml', () => {
  it('unwraps seq and ticks across their wraps, counts exactly the dropped frames, calibrates, previews and reports status', async () => {
    const { metrics, samples, preview, status } = await runHarvest();
    const injected = metrics.get('node')!.counters.get('injected_drops')!;
    expect(injected).toBeGreaterThan(20);

    const rows = flattenNumbers(samples);
    const n = rows.seq.length;
    expect(n).toBe((8000 - injected) * 25);
    // Dropped frames: the gaps column and the metric both equal what the simulator dropped.
    expect((rows.dropped_frames as number[]).reduce((a, b) => a + b, 0)).toBe(injected);
    expect(metrics.get('samples/rollover')!.counters.get('gaps')).toBe(injected);
    expect(metrics.get('samples/rollover')!.counters.get('wraps')).toBe(1);
    expect(metrics.get('samples/rollover#2')!.counters.get('wraps')).toBe(1);
    // Per-sample device time rises by 10 us within a frame and by 250 us per frame sent or lost.
    for (let k = 1; k < n; k++) {
      const step = (rows.t_device_ns[k] as number) - (rows.t_device_ns[k - 1] as number);
      const frames = (rows.seq[k] as number) - (rows.seq[k - 1] as number);
      expect(step).toBe(frames === 0 ? 10_000 : frames * 250_000 - 24 * 10_000);
    }
    expect(rows.seq.at(-1)).toBe(65336 + 7999);
    for (let k = 0; k < n; k += 97) {
      expect(rows.voltage[k]).toBe((rows.voltage_raw[k] as number) * 3e-9);
      expect(rows.power[k]).toBe((rows.voltage[k] as number) * (rows.current[k] as number));
    }
    const fields = Object.fromEntries((samples[0] as RecordsBatch).schema.fields.map((f) => [f.name, f]));
    expect(fields.voltage).toMatchObject({ unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 } });
    expect(fields.t_device_ns.time).toBe('device');

    // Preview: the extremes of every 10 ms bucket, so the overall extremes survive.
    const p = flatten(preview);
    expect(p.voltage.length).toBeLessThanOrEqual(2 * 201);
    const extremes = (values: (number | string | bigint)[]) => (values as number[]).reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);
    expect(extremes(p.voltage)).toEqual(extremes(rows.voltage));
    expect(extremes(p.power)).toEqual(extremes(rows.power));

    // Status: data from 4294.567 s to 4296.567 s of device time: only [4295 s, 4296 s) is covered whole.
    const s = flatten(status);
    expect(s.window_start).toEqual([4294e9, 4295e9, 4296e9]);
    expect(s.complete).toEqual([0, 1, 0]);
    expect((s.count as number[]).reduce((a, b) => a + b, 0)).toBe(n);
  });
});
