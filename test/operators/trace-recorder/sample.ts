// Builds pipelines/data/freertos-trace.psf, the trace pipelines/freertos-trace.yml replays: 5 s of a
// FreeRTOS application on a 1 MHz timer, in TraceRecorder's streaming format (v12, little endian).
// Deterministic; sample.test.ts checks that the file in the repository is exactly what this
// produces. Regenerate with:
//   node --import tsx test/operators/trace-recorder/sample.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TraceWriter } from './generator.js';

export const SAMPLE = {
  file: 'pipelines/data/freertos-trace.psf',
  /** 10 ms periods: 5 s. */
  periods: 500,
  /** Shares of the schedule in every period. */
  shares: { IDLE: 0.6, sensor: 0.2, radio: 0.15, 'timer ISR': 0.05 },
} as const;

const IDLE = 0x20000100;
const SENSOR = 0x20000200;
const RADIO = 0x20000300;
const TIMER_ISR = 0x20000400;
const QUEUE = 0x20000500;
const LOG = 0x20000600;
const HEAP = 0x20000700;

/**
 * Every 10 ms: sensor runs 1 ms, the timer ISR interrupts it for 0.5 ms, sensor finishes (1 ms more)
 * and sends to a queue, radio receives and runs 1.5 ms, IDLE runs the remaining 6 ms. Every 100 ms
 * sensor prints a reading; every 500 ms each task reports its unused stack; radio allocates and
 * frees a buffer each period.
 */
export function buildSampleTrace(): Buffer {
  const w = new TraceWriter(
    {
      version: 12,
      frequency: 1_000_000,
      entries: [
        { handle: IDLE, states: [0, 0, 0], symbol: 'IDLE' },
        { handle: HEAP, states: [1024, 1024, 65536], symbol: 'System Heap' },
      ],
    },
    6,
  );
  w.event(0x01, [IDLE], { ticks: 0 }); // TRACE_START with IDLE running
  w.name(SENSOR, 'sensor', { ticks: 1 });
  w.event(0x10, [SENSOR, 3], { ticks: 2 });
  w.name(RADIO, 'radio', { ticks: 3 });
  w.event(0x10, [RADIO, 2], { ticks: 4 });
  w.event(0x07, [TIMER_ISR, 6], { ticks: 5, tail: Buffer.from('timer ISR\0') });
  w.event(0x11, [QUEUE, 8], { ticks: 6 });
  w.name(QUEUE, 'readings', { ticks: 7 });
  w.name(LOG, 'app', { ticks: 8 });
  let millivolts = 3300;
  for (let k = 0; k < SAMPLE.periods; k++) {
    const T = 1000 + k * 10_000;
    w.event(0x30, [SENSOR], { ticks: T - 10 }); // TASK_READY
    w.event(0x37, [SENSOR, 3], { ticks: T });
    w.event(0x33, [TIMER_ISR], { ticks: T + 1000 });
    w.event(0x37, [SENSOR], { ticks: T + 1500 }); // back from the ISR
    w.event(0x50, [QUEUE, 1], { ticks: T + 2400 });
    if (k % 10 === 0) {
      millivolts = 3300 - ((k * 7) % 200);
      w.printf(LOG, 'battery %d mV, period %u', [millivolts, k]);
    }
    w.event(0x37, [RADIO, 2], { ticks: T + 2500 });
    w.event(0x60, [QUEUE, 0, 0], { ticks: T + 2600 });
    w.event(0x38, [0x20008000, 256], { ticks: T + 2700 }); // MEMORY_ALLOC
    w.event(0x39, [0x20008000, 256], { ticks: T + 3900 }); // MEMORY_FREE
    if (k % 50 === 49) {
      w.event(0xeb, [SENSOR, 180 - (k % 7)], { ticks: T + 3950 });
      w.event(0xeb, [RADIO, 96 + (k % 5)], { ticks: T + 3960 });
    }
    w.event(0x37, [IDLE, 0], { ticks: T + 4000 });
  }
  return w.bytes();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const bytes = buildSampleTrace();
  writeFileSync(path.join(root, SAMPLE.file), bytes);
  console.log(`wrote ${SAMPLE.file} (${bytes.length} bytes)`);
}
