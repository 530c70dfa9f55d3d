import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { COMPONENTS } from '../../src/components.js';
import type { RecordsBatch, StringColumn } from '../../src/core/batch.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { ROOT } from '../helpers/cli.js';
import { collectSink, collected } from '../helpers/components.js';
import { buildCobsCapture, COBS_CAPTURE } from '../helpers/cobs-capture.js';

const registry = new Registry([...COMPONENTS, collectSink]);

/** Runs a shipped pipeline with its sinks swapped for collectors (same inputs) and source overrides. */
async function runShipped(file: string, source: string, overrides: Record<string, unknown>) {
  const config = parse(readFileSync(path.join(ROOT, file), 'utf8'));
  config.sources[source] = { ...config.sources[source], ...overrides };
  for (const [name, sink] of Object.entries(config.sinks as Record<string, { inputs: string[] }>)) {
    config.sinks[name] = { type: 'collect', inputs: sink.inputs, keep: true };
  }
  const plan = loadPipelineText(stringify(config), registry, { file: path.join(ROOT, file) });
  const result = await new Runner(plan, { log: silentLogger, dataDir: ROOT }).run();
  expect(result.reason).toBe('completed');
  return result.metrics;
}

function reasons(batches: RecordsBatch[]): string[] {
  return batches.flatMap((b) => {
    const c = b.columns.reason as StringColumn;
    return Array.from(c.codes, (code) => c.dictionary[code]);
  });
}

describe('pipelines/cobs.yml', () => {
  it('replays a capture that the generator reproduces byte for byte', () => {
    expect(readFileSync(path.join(ROOT, COBS_CAPTURE.file)).equals(buildCobsCapture())).toBe(true);
  });

  it('decodes every intact reading and counts each flipped bit and noise burst', async () => {
    const metrics = await runShipped('pipelines/cobs.yml', 'sensor', { speed: 'max', loop: false });
    const flipped = Math.floor(COBS_CAPTURE.readings / COBS_CAPTURE.flippedEvery);
    const bursts = Math.floor(COBS_CAPTURE.readings / COBS_CAPTURE.noiseEvery);
    const readings = collected.get('console')!.batches as RecordsBatch[];
    const seqs = readings.flatMap((b) => Array.from(b.columns.seq as Uint16Array));
    expect(seqs.length).toBe(COBS_CAPTURE.readings - flipped);
    expect(seqs.filter((s) => s % COBS_CAPTURE.flippedEvery === COBS_CAPTURE.flippedEvery - 1)).toEqual([]);
    const frame = metrics.get('readings/frame')!;
    expect(frame.errors.get('crc')).toBe(flipped);
    const rejectedCount = [...frame.errors].filter(([r]) => r !== 'resync_bytes').reduce((n, [, v]) => n + v, 0);
    expect(rejectedCount).toBe(flipped + bursts);
    expect(reasons(collected.get('rejected')!.batches as RecordsBatch[])).toHaveLength(flipped + bursts);
    expect((frame.counters.get('framed_bytes') ?? 0) + (frame.errors.get('resync_bytes') ?? 0)).toBe(buildCobsCapture().length);
    expect(readings[0].columns.temperature_centi).toBeInstanceOf(Int16Array);
  });
});

describe('pipelines/ltbus.yml', () => {
  it('routes sample frames to decode and sends every rejected byte run to the dead-letter output', async () => {
    const metrics = await runShipped('pipelines/ltbus.yml', 'link', { rate: 'max', frames: 8000, seed: 11, faults: { bit_flip: 0.01, garbage: 0.01, truncate: 0.005 } });
    const link = metrics.get('link')!.counters;
    const frame = metrics.get('frames/frame')!;
    expect(frame.errors.get('crc')).toBe(link.get('injected_bit_flips'));
    const sent = link.get('frames_sent')!;
    const bad = link.get('injected_bit_flips')! + link.get('injected_truncations')!;
    expect(collected.get('console')!.items).toBe((sent - bad) * 25);
    const rejected = collected.get('rejected')!.batches as RecordsBatch[];
    const rejectedBytes = rejected.reduce((n, b) => n + (b.columns.bytes as { data: Uint8Array }).data.length, 0);
    expect(rejectedBytes).toBe(frame.errors.get('resync_bytes'));
    expect(new Set(reasons(rejected))).toEqual(new Set(['crc', 'resync_bytes']));
  });
});
