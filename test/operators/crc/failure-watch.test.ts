import { describe, expect, it } from 'vitest';
import { bytesBatch, framesBatch, type FramesBatch } from '../../../src/core/batch.js';
import { resolveCrc } from '../../../src/core/crc/index.js';
import { MetricsRegistry } from '../../../src/core/metrics.js';
import { runOperator, standaloneContext } from '../../../src/core/standalone.js';
import { renderCounters } from '../../../src/cli/counters.js';
import { crcOperator } from '../../../src/operators/crc/index.js';
import { frameOperator } from '../../../src/operators/frame/index.js';
import { cobsEncode } from '../../helpers/encoders.js';

const MODBUS = resolveCrc('CRC-16/MODBUS');

/** `n` 8-byte readings, each followed by its CRC-16/MODBUS stored little-endian (what the device sends). */
function readings(n: number, corruptEvery = 0): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const frame = Buffer.alloc(10);
    frame.writeUInt32LE(i * 1000, 0);
    frame.writeInt16LE(1500 + (i % 37), 4);
    frame.writeUInt16LE(4000 + (i % 101), 6);
    frame.writeUInt16LE(MODBUS.compute(frame, 0, 8), 8);
    if (corruptEvery && i % corruptEvery === 0) frame[3] ^= 0x04;
    frames.push(frame);
  }
  return frames;
}

function batchOf(frames: Buffer[]): FramesBatch {
  const buffer = Buffer.concat(frames);
  const offsets = Uint32Array.from(frames, (_, i) => i * 10);
  return framesBatch('dev', buffer, offsets, Uint32Array.from(frames, (f) => f.length), new Float64Array(frames.length));
}

/** A standalone context whose warnings are kept. */
function watchedContext(id: string) {
  const warnings: string[] = [];
  const registry = new MetricsRegistry();
  const base = standaloneContext(id, { registry });
  const log = { ...base.log, warn: (_o: object, message: string) => void warnings.push(message) } as typeof base.log;
  return { context: { ...base, log }, warnings, registry };
}

const WRONG_ORDER = { algorithm: 'CRC-16/MODBUS', value: { offset: -2, type: 'u16be' as const } };

describe('crc settings that fail nearly every frame', () => {
  it('warn once with the likely causes and leave a notice for the end-of-run table', async () => {
    const { context, warnings, registry } = watchedContext('readings/crc');
    const batches = Array.from({ length: 10 }, (_, b) => batchOf(readings(100).map((f, i) => (b * 100 + i) % 200 === 7 ? Buffer.from([...f.subarray(0, 8), f[8], f[8]]) : f)));
    await runOperator(crcOperator, WRONG_ORDER, batches, context);
    // Frames whose two CRC bytes are equal pass by chance, whatever the byte order.
    const failed = context.metrics.errors.get('crc')!;
    expect(failed).toBeGreaterThan(980);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\d+ of \d+ frames \(\d+\.\d %\) failed the CRC check, so the CRC settings probably do not match the device: the algorithm \(CRC-16\/MODBUS\), the byte order of the value \(u16be; try u16le, at offset -2\), the covered range \(over: \[0, -2\]\)$/);
    const table = renderCounters(registry, 1);
    expect(table).toContain(`warning: readings/crc: ${failed} of 1000 frames (${((100 * failed) / 1000).toFixed(1)} %) failed the CRC check`);
  });

  it('stay quiet for right settings on a noisy line (5 % of frames damaged)', async () => {
    const { context, warnings, registry } = watchedContext('readings/crc');
    await runOperator(crcOperator, { algorithm: 'CRC-16/MODBUS' }, [batchOf(readings(1000, 20))], context);
    expect(context.metrics.errors.get('crc')).toBe(50);
    expect(warnings).toEqual([]);
    expect(renderCounters(registry, 1)).not.toContain('warning');
  });

  it('warn from a frame step that checks the CRC while scanning', async () => {
    const { context, warnings } = watchedContext('readings/frame');
    const wire = Buffer.concat(readings(500).map((f) => Buffer.concat([cobsEncode(f), Buffer.from([0])])));
    const reads = Array.from({ length: 10 }, (_, i) => bytesBatch('dev', wire.subarray((i * wire.length) / 10, ((i + 1) * wire.length) / 10), i));
    await runOperator(frameOperator, { format: 'cobs', max_length: 64, crc: WRONG_ORDER }, reads, context);
    expect(context.metrics.errors.get('crc')).toBeGreaterThanOrEqual(495);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/failed the CRC check.*u16be; try u16le/);
    expect(context.metrics.notices.has('crc_mostly_failing')).toBe(true);
  });
});
