import { describe, expect, it } from 'vitest';
import type { Batch, RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { cpuWindow } from '../../src/operators/cpu-window/index.js';
import { derive } from '../../src/operators/derive.js';
import { rollover } from '../../src/operators/rollover/index.js';
import { TASK_EVENT_BYTES } from '../../src/sources/simulator/protocol.js';
import { SIMULATED_TASKS, createTaskDevice } from '../../src/sources/simulator/tasks.js';
import { batchOf, flatten } from './records-helpers.js';

/**
 * The simulator's task-switch device drives rollover -> derive -> cpu_window, with its u32 timer
 * starting 1.2 s before the wrap. Payloads are read into columns here as `decode` would.
 */
function taskFrames(frames: number, startTicks: number): RecordsBatch[] {
  const device = createTaskDevice();
  const buffer = Buffer.alloc(device.maxPayload);
  const batches: RecordsBatch[] = [];
  for (let f = 0; f < frames; f++) {
    const length = device.writePayload(buffer, 0, f, startTicks + f * device.ticksPerFrame);
    const n = length / TASK_EVENT_BYTES;
    const t_ticks = new Uint32Array(n);
    const task_id = new Uint16Array(n);
    const event = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      t_ticks[k] = buffer.readUInt32LE(k * TASK_EVENT_BYTES);
      task_id[k] = buffer.readUInt16LE(k * TASK_EVENT_BYTES + 4);
      event[k] = buffer[k * TASK_EVENT_BYTES + 6];
    }
    batches.push(batchOf([{ name: 't_ticks', type: 'u32' }, { name: 'task_id', type: 'u16' }, { name: 'event', type: 'u8' }], { t_ticks, task_id, event }));
  }
  return batches;
}

async function pipeline(input: Batch[]): Promise<Batch[]> {
  const unwrapped = (await runOperator(rollover, { field: 't_ticks', bits: 32, epoch_as: false }, input)).output;
  const timed = (await runOperator(derive, { fields: { t_device_ns: 't_ticks * 1000' }, time: { t_device_ns: 'device' } }, unwrapped)).output;
  const names = Object.fromEntries(SIMULATED_TASKS.map((t) => [String(t.id), t.name]));
  return (await runOperator(cpuWindow, { window: '500ms', names }, timed)).output;
}

describe('cpu_window on the simulator schedule', () => {
  it('gives the exact utilizations of the known schedule, across a timer wrap', async () => {
    const rows = flatten(await pipeline(taskFrames(220, 2 ** 32 - 1_200_000))); // 2.2 s of trace
    const US = 1000;
    // Window 1: from the first switch (t = 0) to the first switch after 500 ms: sensor out at 502 ms.
    // Five 100 ms hyperperiods (IDLE 65 %, sensor 20 %, radio 10 %, logger 5 %) plus 2 ms of sensor.
    expect(rows.task.slice(0, 4)).toEqual(['sensor', 'IDLE', 'radio', 'logger']);
    expect(rows.runtime_window.slice(0, 4)).toEqual(Array(4).fill(502_000 * US));
    expect(rows.runtime_in_window.slice(0, 4)).toEqual([102_000, 325_000, 50_000, 25_000].map((v) => v * US));
    expect(rows.cpu_utilization.slice(0, 4)).toEqual([102_000, 325_000, 50_000, 25_000].map((v) => (v * US) / (502_000 * US)));
    // Window 2: 502 ms to the first switch after 1002 ms, radio in at 1003 ms: 501 ms long.
    expect(rows.runtime_window.slice(4, 8)).toEqual(Array(4).fill(501_000 * US));
    expect(rows.runtime_in_window.slice(4, 8)).toEqual([100_000, 326_000, 50_000, 25_000].map((v) => v * US));
    // Every complete window accounts for all of its time.
    const complete = rows.complete.map((c, i) => [c, i] as const).filter(([c]) => c === 1).map(([, i]) => i);
    expect(complete.length).toBe(16);
    for (let w = 0; w < complete.length; w += 4) {
      const sum = [0, 1, 2, 3].reduce((acc, k) => acc + (rows.runtime_in_window[complete[w + k]] as number), 0);
      expect(sum).toBe(rows.runtime_window[complete[w]]);
    }
  });
});
