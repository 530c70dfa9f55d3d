import { describe, expect, it } from 'vitest';
import { crc16Ibm3740 } from '../../../src/sources/simulator/crc16.js';
import { simulatorSource } from '../../../src/sources/simulator/index.js';
import { CURRENT_GAIN, encodeFrame, VOLTAGE_GAIN } from '../../../src/sources/simulator/protocol.js';
import { SIMULATED_TASK_UTILIZATION, SIMULATED_TASKS } from '../../../src/sources/simulator/tasks.js';
import { collectSource, concatBytes } from '../../helpers/collect.js';
import { readFrames } from '../../helpers/frames.js';

const run = async (options: Record<string, unknown>) => {
  const { batches, context } = await collectSource(simulatorSource, { rate: 'max', ...options });
  return { bytes: concatBytes(batches), batches, counters: context.metrics.snapshot().counters };
};

describe('reference protocol', () => {
  it('seals frames with CRC-16/IBM-3740 (check value 0x29B1) and the documented layout', () => {
    expect(crc16Ibm3740(Buffer.from('123456789'))).toBe(0x29b1);
    const frame = encodeFrame(0x01, 0x1234, 0xdeadbeef, Buffer.from([1, 2, 3]));
    expect(frame.length).toBe(16);
    expect([frame[0], frame[1], frame.readUInt16LE(2), frame.readUInt32LE(4), frame.readUInt16LE(8), frame[15]]).toEqual([0x7b, 0x01, 0x1234, 0xdeadbeef, 3, 0x7d]);
    expect(frame.readUInt16LE(13)).toBe(crc16Ibm3740(frame, 1, 13));
  });
});

describe('simulator: harvester', () => {
  it('sends 213-byte sample frames with consecutive seq, 250-tick steps and plausible solar-cell values', async () => {
    const { bytes, counters } = await run({ frames: 400 });
    const { frames, skipped } = readFrames(bytes);
    expect(skipped).toBe(0);
    expect(frames).toHaveLength(400);
    expect(counters.frames_sent).toBe(400);
    expect(bytes.length).toBe(400 * 213);
    frames.forEach((f, i) => {
      expect(f).toMatchObject({ type: 0x01, seq: i, ticks: i * 250, crcOk: true });
      for (let s = 0; s < 25; s++) {
        const volts = f.payload.readUInt32LE(s * 8) * VOLTAGE_GAIN;
        const amps = f.payload.readUInt32LE(s * 8 + 4) * CURRENT_GAIN;
        expect(volts).toBeGreaterThanOrEqual(0);
        expect(volts).toBeLessThan(2.4);
        expect(amps).toBeGreaterThanOrEqual(0);
        expect(amps).toBeLessThan(0.05);
      }
    });
  });

  it('is deterministic for a seed', async () => {
    const a = await run({ frames: 200, seed: 5, faults: { bit_flip: 0.1, garbage: 0.1 } });
    const b = await run({ frames: 200, seed: 5, faults: { bit_flip: 0.1, garbage: 0.1 } });
    const c = await run({ frames: 200, seed: 6, faults: { bit_flip: 0.1, garbage: 0.1 } });
    expect(a.bytes.equals(b.bytes)).toBe(true);
    expect(a.bytes.equals(c.bytes)).toBe(false);
  });

  it('wraps seq and the u32 timer from start values near the end of their range', async () => {
    const { frames } = readFrames((await run({ frames: 10, start_seq: 65530, start_ticks: 0xffffffff - 1000 })).bytes);
    expect(frames.map((f) => f.seq)).toEqual([65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3]);
    expect(frames[4].ticks).toBe(0xffffffff - 1000 + 1000);
    expect(frames[5].ticks).toBe(249);
  });

  it('counts every injected fault so a framer can be checked against it', async () => {
    const { bytes, counters } = await run({ frames: 5000, seed: 9, faults: { bit_flip: 0.01, drop: 0.01, garbage: 0.01 } });
    const { frames } = readFrames(bytes);
    expect(counters.injected_bit_flips).toBeGreaterThan(20);
    expect(frames.filter((f) => !f.crcOk)).toHaveLength(counters.injected_bit_flips);
    let gaps = 0;
    for (let i = 1; i < frames.length; i++) gaps += (frames[i].seq - frames[i - 1].seq - 1 + 65536) % 65536;
    expect(gaps).toBe(counters.injected_drops);
    expect(frames).toHaveLength(counters.frames_sent);
    expect(bytes.length).toBe(counters.frames_sent * 213 + counters.injected_garbage_bytes);
  });

  it('restarts seq and ticks on an injected reset', async () => {
    const { bytes, counters } = await run({ frames: 3000, seed: 2, faults: { reset: 0.002 } });
    const { frames } = readFrames(bytes);
    const restarts = frames.filter((f, i) => i > 0 && f.seq === 0 && f.ticks === 0).length;
    expect(counters.injected_resets).toBeGreaterThan(0);
    expect(restarts).toBe(counters.injected_resets);
  });

  it('cuts truncated frames short and counts their bytes', async () => {
    const { bytes, counters } = await run({ frames: 2000, seed: 4, faults: { truncate: 0.01 } });
    expect(counters.injected_truncations).toBeGreaterThan(5);
    expect(bytes.length).toBe((counters.frames_sent - counters.injected_truncations) * 213 + counters.injected_truncated_bytes);
  });

  it('emits decoded records directly with emit: records', async () => {
    const { batches } = await collectSource(simulatorSource, { rate: 'max', emit: 'records', frames: 100, batch_frames: 30 });
    const rows = batches.reduce((n, b) => n + (b.kind === 'records' ? b.length : 0), 0);
    expect(rows).toBe(100 * 25);
    const first = batches[0];
    if (first.kind !== 'records') throw new Error('expected records');
    expect(first.schema.fields.map((f) => f.name)).toEqual(['seq', 't_ticks', 'i', 'voltage_raw', 'current_raw', 'host_time']);
    expect(first.columns.t_ticks).toBeInstanceOf(Uint32Array);
    expect(Array.from((first.columns.i as Uint32Array).subarray(0, 26))).toEqual([...Array.from({ length: 25 }, (_, i) => i), 0]);
  });
});

describe('simulator: tasks', () => {
  it('traces a schedule with the documented utilizations', async () => {
    const { frames } = readFrames((await run({ device: 'tasks', frames: 10 })).bytes);
    expect(frames.every((f) => f.type === 0x02 && f.crcOk)).toBe(true);
    const events = frames.flatMap((f) => Array.from({ length: f.payload.length / 8 }, (_, i) => ({ t: f.payload.readUInt32LE(i * 8), task: f.payload.readUInt16LE(i * 8 + 4), event: f.payload[i * 8 + 6] })));
    expect(events.every((e) => e.event === 1)).toBe(true);
    // One hyperperiod (100 ms = 10 frames): each task's time from its switch-in to the next event.
    const busy = new Map<number, number>();
    events.forEach((e, i) => busy.set(e.task, (busy.get(e.task) ?? 0) + ((events[i + 1]?.t ?? 100_000) - e.t)));
    for (const task of SIMULATED_TASKS) expect(busy.get(task.id)! / 100_000).toBeCloseTo(SIMULATED_TASK_UTILIZATION[task.name], 10);
  });
});

describe('simulator: log', () => {
  it('sends key=value text lines', async () => {
    const { frames } = readFrames((await run({ device: 'log', frames: 5 })).bytes);
    expect(frames).toHaveLength(5);
    expect(frames[0].payload.toString('latin1')).toMatch(/^level=(info|warn) uptime_ms=0 vbat=\d\.\d{3} temp_c=[\d.]+ msg=\w+ n=0\n$/);
  });
});
