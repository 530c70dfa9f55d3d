import { describe, expect, it } from 'vitest';
import type { RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { cpuWindow } from '../../src/operators/cpu-window/index.js';
import { SPLITS, batchOf, flatten, split } from './records-helpers.js';

const MS = 1e6;

function switches(rows: [number, number, number][]): RecordsBatch {
  return batchOf(
    [
      { name: 't_device_ns', type: 'f64', time: 'device' },
      { name: 'task_id', type: 'u16' },
      { name: 'event', type: 'u8' },
    ],
    {
      t_device_ns: Float64Array.from(rows, (r) => r[0] * MS),
      task_id: Uint16Array.from(rows, (r) => r[1]),
      event: Uint8Array.from(rows, (r) => r[2]),
    },
  );
}

// A known schedule (ms, task, event: 1 = switched in, 0 = another event).
const schedule: [number, number, number][] = [
  [0, 0, 1],
  [100, 1, 1], // task 0 ran 100
  [250, 2, 1], // task 1 ran 150
  [300, 2, 0], // not a switch
  [400, 0, 1], // task 2 ran 150
  [510, 1, 1], // task 0 ran 110; 510 > 500: window [0, 510] closes
  [600, 1, 1], // same task again: nothing
  [700, 0, 1], // task 1 ran 190
  [1000, 2, 1], // task 0 ran 300; window is 490 long: stays open
  [1011, 0, 1], // task 2 ran 11; 501 > 500: window [510, 1011] closes
  [1200, 0, 0], // last record: the open window is cut here at the end
];

describe('cpu_window', () => {
  it('gives exact per-task utilization for a known schedule, windows closed at the first switch after 500 ms', async () => {
    const { output, context } = await runOperator(cpuWindow, {}, [switches(schedule)]);
    const rows = flatten(output);
    expect(rows.window_start).toEqual([0, 0, 0, 510, 510, 510, 1011, 1011, 1011].map((v) => v * MS));
    expect(rows.window_end).toEqual([510, 510, 510, 1011, 1011, 1011, 1200, 1200, 1200].map((v) => v * MS));
    expect(rows.task_id).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(rows.runtime_in_window).toEqual([210, 150, 150, 300, 190, 11, 189, 0, 0].map((v) => v * MS));
    expect(rows.runtime_window).toEqual([510, 510, 510, 501, 501, 501, 189, 189, 189].map((v) => v * MS));
    expect(rows.runtime).toEqual([210, 150, 150, 510, 340, 161, 699, 340, 161].map((v) => v * MS));
    expect(rows.cpu_utilization).toEqual([
      (210 * MS) / (510 * MS), (150 * MS) / (510 * MS), (150 * MS) / (510 * MS),
      (300 * MS) / (501 * MS), (190 * MS) / (501 * MS), (11 * MS) / (501 * MS),
      1, 0, 0,
    ]);
    expect(rows.complete).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(context.metrics.counters.get('windows')).toBe(3);
    const out = output[0] as RecordsBatch;
    expect(out.schema.fields.find((f) => f.name === 'window_end')?.time).toBe('device');
  });

  it('adds task names and honours the window length', async () => {
    const { output } = await runOperator(cpuWindow, { window: '200ms', names: { '0': 'idle', '2': 'radio' } }, [switches(schedule)]);
    const rows = flatten(output);
    expect(rows.task.slice(0, 3)).toEqual(['idle', 'task 1', 'radio']);
    // First window closes at 250 (the first switch after 200 ms).
    expect(rows.window_end[0]).toBe(250 * MS);
    expect(rows.runtime_in_window.slice(0, 3)).toEqual([100 * MS, 150 * MS, 0]);
  });

  it('treats every record as a switch with event: false, and counts time going backwards', async () => {
    const rows: [number, number, number][] = [[0, 1, 9], [300, 2, 9], [200, 1, 9], [700, 2, 9]];
    const { output, context } = await runOperator(cpuWindow, { event: false }, [switches(rows)]);
    expect(context.metrics.errors.get('time_backwards')).toBe(1);
    expect(flatten(output).runtime_in_window.slice(0, 2)).toEqual([300 * MS + 500 * MS, 0]);
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and empty batches', async () => {
    const rows: [number, number, number][] = [];
    let t = 0;
    for (let k = 0; k < 6000; k++) {
      t += 1 + ((k * 37) % 23);
      rows.push([t, (k * 7) % 5, k % 9 === 0 ? 0 : 1]);
    }
    const input = switches(rows);
    const { output: whole } = await runOperator(cpuWindow, { window: '100ms' }, [input]);
    expect(flatten(whole).task_id.length).toBeGreaterThan(100);
    for (const size of SPLITS) {
      const { output } = await runOperator(cpuWindow, { window: '100ms' }, split(input, size));
      expect(flatten(output)).toEqual(flatten(whole));
    }
    expect((await runOperator(cpuWindow, {}, [switches([])])).output).toEqual([]);
  });

  it('names missing columns', async () => {
    await expect(runOperator(cpuWindow, { task: 'task' }, [switches(schedule)])).rejects.toThrow('column "task" does not exist (columns: t_device_ns, task_id, event)');
  });
});
