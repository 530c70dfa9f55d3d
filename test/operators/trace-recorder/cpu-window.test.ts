import { describe, expect, it } from 'vitest';
import { type Batch, bytesBatch } from '../../../src/core/batch.js';
import { runOperator } from '../../../src/core/standalone.js';
import { cpuWindow } from '../../../src/operators/cpu-window/index.js';
import { traceRecorder } from '../../../src/operators/trace-recorder/index.js';
import { flatten } from '../records-helpers.js';
import { TraceWriter } from './generator.js';

const IDLE = 0x100;
const SENSOR = 0x104;
const RADIO = 0x108;
const TIMER_ISR = 0x200;
const QUEUE = 0x300;

/**
 * A 10 ms schedule on a 1 MHz timer, repeated: sensor runs 0-1 ms, the timer ISR interrupts it
 * 1-1.5 ms, sensor resumes to 2.5 ms, radio runs to 4 ms, IDLE for the rest. Shares: IDLE 60 %,
 * sensor 20 %, radio 15 %, ISR 5 %. The timer starts 300 ms before its 32-bit wrap and the event
 * counter near its 16-bit wrap, so both wrap during the run.
 */
function schedule(periods: number, w = new TraceWriter({ frequency: 1_000_000, entries: [{ handle: IDLE, states: [0], symbol: 'IDLE' }] }, 65_000), start = 2 ** 32 - 300_000) {
  const at = (t: number) => (start + t) % 2 ** 32;
  w.event(0x01, [IDLE], { ticks: at(0) }); // TRACE_START with IDLE running
  w.name(SENSOR, 'sensor', { ticks: at(0) });
  w.event(0x10, [SENSOR, 3], { ticks: at(0) });
  w.name(RADIO, 'radio', { ticks: at(0) });
  w.event(0x10, [RADIO, 2], { ticks: at(0) });
  w.event(0x07, [TIMER_ISR, 5], { ticks: at(0), tail: Buffer.from('timer\0') }); // DEFINE_ISR
  for (let k = 0; k < periods; k++) {
    const T = k * 10_000;
    w.event(0x37, [SENSOR, 3], { ticks: at(T) }); // TASK_ACTIVATE, from the scheduler
    w.event(0x50, [QUEUE, 1], { ticks: at(T + 200) }); // not a switch
    w.event(0x33, [TIMER_ISR], { ticks: at(T + 1000) }); // ISR_BEGIN
    w.event(0x37, [SENSOR], { ticks: at(T + 1500) }); // TASK_ACTIVATE with 1 parameter: ISR returns
    w.event(0x37, [RADIO, 2], { ticks: at(T + 2500) });
    w.event(0x37, [IDLE, 0], { ticks: at(T + 4000) });
  }
  w.event(0x30, [SENSOR], { ticks: at(periods * 10_000) }); // a last event, for the final partial window
  return w;
}

async function windows(bytes: Buffer, options: Record<string, unknown> = {}) {
  const chunks: Batch[] = [];
  for (let at = 0; at < bytes.length; at += 4096) chunks.push(bytesBatch('file', bytes.subarray(at, at + 4096), 0));
  const events = await runOperator(traceRecorder, {}, chunks);
  const { output, context } = await runOperator(cpuWindow, options, events.output);
  return { rows: flatten(output), context };
}

/** Rows grouped by window end. */
function byWindow(rows: Record<string, (number | string | bigint)[]>) {
  const groups = new Map<number, { share: Map<string, number>; complete: number; length: number; session: number }>();
  rows.window_end.forEach((end, i) => {
    const g = groups.get(end as number) ?? { share: new Map(), complete: rows.complete[i] as number, length: rows.runtime_window[i] as number, session: rows.session[i] as number };
    g.share.set(rows.context[i] as string, rows.cpu_utilization[i] as number);
    groups.set(end as number, g);
  });
  return [...groups.values()];
}

describe('cpu_window on trace_recorder records', () => {
  it('gives each context its share of a known schedule within 1 %, in 500 ms windows that sum to 1', async () => {
    const { rows } = await windows(schedule(200).bytes()); // 2 s
    const groups = byWindow(rows);
    const complete = groups.filter((g) => g.complete === 1);
    expect(complete.length).toBe(3); // closed at the first switch-in after 500 ms
    for (const g of complete) {
      expect(g.length).toBeGreaterThan(500e6);
      expect(g.length).toBeLessThan(511e6);
      let sum = 0;
      for (const v of g.share.values()) sum += v;
      expect(sum).toBeCloseTo(1, 9);
      expect(Math.abs(g.share.get('IDLE')! - 0.6)).toBeLessThan(0.01);
      expect(Math.abs(g.share.get('sensor')! - 0.2)).toBeLessThan(0.01);
      expect(Math.abs(g.share.get('radio')! - 0.15)).toBeLessThan(0.01);
      expect(Math.abs(g.share.get('timer')! - 0.05)).toBeLessThan(0.01);
    }
    // The rest is flushed at the end as one partial window, which also sums to 1.
    const partial = groups.filter((g) => g.complete === 0);
    expect(partial).toHaveLength(1);
    let sum = 0;
    for (const v of partial[0].share.values()) sum += v;
    expect(sum).toBeCloseTo(1, 9);
    // One row per context per window: IDLE (from TRACE_START), sensor, timer, radio.
    expect(new Set(rows.context)).toEqual(new Set(['IDLE', 'sensor', 'timer', 'radio']));
    expect(rows.context).toHaveLength(4 * 4);
  });

  it('closes the open window as partial at a restart and starts the new session on its own clock', async () => {
    const first = schedule(60); // 600 ms: one complete window and a partial one
    const second = schedule(60, new TraceWriter({ frequency: 1_000_000, entries: [{ handle: IDLE, states: [0], symbol: 'IDLE' }] }, 1), 5_000_000);
    const { rows } = await windows(Buffer.concat([first.bytes(), second.bytes()]));
    const groups = byWindow(rows);
    expect(groups.map((g) => [g.session, g.complete])).toEqual([[0, 1], [0, 0], [1, 1], [1, 0]]);
    for (const g of groups.filter((x) => x.complete === 1)) expect(Math.abs(g.share.get('sensor')! - 0.2)).toBeLessThan(0.01);
  });
});
