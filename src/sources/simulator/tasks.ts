import type { SimDevice } from './device.js';
import { FrameType, TASK_EVENT_BYTES } from './protocol.js';

/** The task set of the `tasks` device; ids are what the trace carries, names are for `cpu_window`. */
export const SIMULATED_TASKS = [
  { id: 0, name: 'IDLE' },
  { id: 1, name: 'sensor', periodUs: 10_000, runUs: 2_000, offsetUs: 0 },
  { id: 2, name: 'radio', periodUs: 50_000, runUs: 5_000, offsetUs: 3_000 },
  { id: 3, name: 'logger', periodUs: 20_000, runUs: 1_000, offsetUs: 8_500 },
] as const;

/** Exact CPU shares of the schedule over any whole number of hyperperiods (100 ms). */
export const SIMULATED_TASK_UTILIZATION: Readonly<Record<string, number>> = { IDLE: 0.65, sensor: 0.2, radio: 0.1, logger: 0.05 };

const HYPERPERIOD_US = 100_000;
const FRAME_US = 10_000;
export const TASK_SWITCH_IN = 1;

/** Switch-in events (time within the hyperperiod, task id) of a fixed, non-overlapping schedule. */
function buildSchedule(): { t: number; task: number }[] {
  const owner = new Int8Array(HYPERPERIOD_US); // 0 = idle
  for (const task of SIMULATED_TASKS) {
    if (!('periodUs' in task)) continue;
    for (let start = task.offsetUs; start < HYPERPERIOD_US; start += task.periodUs) owner.fill(task.id, start, start + task.runUs);
  }
  const events: { t: number; task: number }[] = [];
  for (let t = 0; t < HYPERPERIOD_US; t++) if (t === 0 || owner[t] !== owner[t - 1]) events.push({ t, task: owner[t] });
  return events;
}

/**
 * An RTOS streaming kernel trace: task switch-in events of the schedule above, sent every 10 ms as
 * records of (t_ticks u32, task_id u16, event u8 = 1, reserved u8). Utilizations are exact
 * (SIMULATED_TASK_UTILIZATION), so CPU-window results can be checked.
 */
export function createTaskDevice(): SimDevice {
  const schedule = buildSchedule();
  const byFrame: { t: number; task: number }[][] = [];
  for (let f = 0; f < HYPERPERIOD_US / FRAME_US; f++) byFrame.push(schedule.filter((e) => e.t >= f * FRAME_US && e.t < (f + 1) * FRAME_US));
  const maxEvents = Math.max(...byFrame.map((events) => events.length));
  return {
    frameType: FrameType.taskSwitches,
    frameRate: 1e6 / FRAME_US,
    ticksPerFrame: FRAME_US,
    maxPayload: maxEvents * TASK_EVENT_BYTES,
    writePayload(target, offset, frameIndex, ticks) {
      const events = byFrame[frameIndex % byFrame.length];
      const base = ticks - (frameIndex % byFrame.length) * FRAME_US;
      events.forEach((event, i) => {
        const at = offset + i * TASK_EVENT_BYTES;
        target.writeUInt32LE((base + event.t) >>> 0, at);
        target.writeUInt16LE(event.task, at + 4);
        target[at + 6] = TASK_SWITCH_IN;
        target[at + 7] = 0;
      });
      return events.length * TASK_EVENT_BYTES;
    },
  };
}
