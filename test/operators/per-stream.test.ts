import { describe, expect, it } from 'vitest';
import { COMPONENTS } from '../../src/components.js';
import type { RecordsBatch } from '../../src/core/batch.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { collected, collectSink } from '../helpers/components.js';

const registry = new Registry([...COMPONENTS, collectSink]);
const FRAMES = 6000;

/**
 * Two simulated devices merged into one transform: their sequence numbers are far apart, so one
 * rollover state over both would read every switch between them as a device reset or a gap.
 */
describe('per-stream state in a transform with two sources', () => {
  it('rollover counts no false resets or gaps, and each device keeps its own counter', async () => {
    const plan = loadPipelineText(
      `
sources:
  a: { type: simulator, rate: max, frames: ${FRAMES}, batch_frames: 16, seed: 1, start_seq: 0 }
  b: { type: simulator, rate: max, frames: ${FRAMES}, batch_frames: 16, seed: 2, start_seq: 40000 }
transforms:
  samples:
    inputs: [a, b]
    steps:
      - { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }
      - { type: crc, algorithm: CRC-16/IBM-3740, over: [1, -3], value: { offset: -3, type: u16le } }
      - type: decode
        fields: [ { name: seq, type: u16le, offset: 2 } ]
        repeat: { offset: 10, fields: [ { name: voltage_raw, type: u32le }, { name: current_raw, type: u32le } ] }
      - { type: rollover, field: seq, bits: 16, gaps_as: gaps, reset_threshold: 4000 }
sinks:
  out: { type: collect, inputs: [samples], keep: true }
`,
      registry,
    );
    const result = await new Runner(plan, { log: silentLogger }).run();
    expect(result.reason).toBe('completed');
    const rollover = result.metrics.get('samples/rollover')!;
    expect(rollover.counters.get('resets')).toBeUndefined();
    expect(rollover.counters.get('gaps')).toBeUndefined();

    const batches = collected.get('out')!.batches as RecordsBatch[];
    // The two devices did interleave in the one stream (otherwise this test would prove nothing).
    const switches = batches.filter((b, i) => i > 0 && b.source !== batches[i - 1].source).length;
    expect(switches).toBeGreaterThan(10);
    for (const [source, start] of [['a', 0], ['b', 40000]] as const) {
      const seq = batches.filter((b) => b.source === source).flatMap((b) => Array.from(b.columns.seq as BigInt64Array, Number));
      const perFrame = seq.filter((_, i) => i % 25 === 0);
      expect(perFrame).toHaveLength(FRAMES);
      // Unwrapped: start, start + 1, ... with no jump, across the 16-bit wrap for device b.
      expect(perFrame.every((v, i) => v === start + i)).toBe(true);
    }
  });
});
