import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Field, recordsBatch } from '../../../src/core/batch.js';
import { standaloneContext } from '../../../src/core/standalone.js';
import { stdoutSink } from '../../../src/sinks/stdout/index.js';

/** Rows as the `window` operator emits them: device-time bounds in ns, one row per window of 1 s. */
const WINDOW_FIELDS: Field[] = [
  { name: 'window_start', type: 'f64', unit: 'ns', time: 'device' },
  { name: 'window_end', type: 'f64', unit: 'ns', time: 'device' },
  { name: 'count', type: 'u32' },
];

function windows(...seconds: number[]) {
  const start = Float64Array.from(seconds, (s) => s * 1e9);
  const end = Float64Array.from(seconds, (s) => (s + 1) * 1e9);
  const count = Uint32Array.from(seconds, () => 100);
  return recordsBatch('status', WINDOW_FIELDS, { window_start: start, window_end: end, count }, seconds.length);
}

/** Captures stdout; returns the printed window starts (seconds) in order, and the raw text. */
function captureStdout() {
  const printed: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => {
    printed.push(String(text));
    return true;
  });
  return printed;
}

const starts = (text: string) => [...text.matchAll(/^\s+(\d+\.\d{6})\s+\d+\.\d{6}\s+100$/gm)].map((m) => Number(m[1]));

describe('stdout table', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints each row once: nothing when none arrived, every row when several arrived in an interval', async () => {
    const printed = captureStdout();
    const scheduler = new VirtualTimeScheduler();
    const context = standaloneContext('status_line', { kind: 'sink', type: 'stdout', scheduler });
    const sink = await stdoutSink.create(stdoutSink.options.parse({ format: 'table', every: '1s' }), context);
    // Windows 0..5 arrive unevenly against the 1 s updates: two in the second interval, none in the third.
    const arrivals: [number, number][] = [[100, 0], [1200, 1], [1800, 2], [3500, 3], [4400, 4], [5300, 5]];
    for (const [at, second] of arrivals) scheduler.schedule(() => void sink.write(windows(second)), at);
    scheduler.maxFrames = 6500;
    scheduler.flush();
    // One update per interval that received something: at 1 s, 2 s, 4 s, 5 s and 6 s; none at 3 s.
    expect(printed).toHaveLength(5);
    expect(printed.map(starts)).toEqual([[0], [1, 2], [3], [4], [5]]);
    expect(printed[0].split('\n')[0].trim().split(/\s+/)).toEqual(['window_start(s)', 'window_end(s)', 'count']);
    await sink.close();
    expect(printed).toHaveLength(5);
  });

  it('shows the newest rows when more arrived than fit, says how many were left out, and prints the rest on close', async () => {
    const printed = captureStdout();
    const scheduler = new VirtualTimeScheduler();
    const sink = await stdoutSink.create(stdoutSink.options.parse({ format: 'table', every: '1s', rows: 3 }), standaloneContext('t', { kind: 'sink', type: 'stdout', scheduler }));
    scheduler.schedule(() => void sink.write(windows(0, 1)), 100);
    scheduler.schedule(() => void sink.write(windows(2, 3, 4)), 200);
    scheduler.schedule(() => void sink.write(windows(5)), 300);
    scheduler.schedule(() => void sink.write(windows(6)), 1500);
    scheduler.maxFrames = 1200;
    scheduler.flush();
    expect(printed).toHaveLength(1);
    expect(printed[0].split('\n')[0]).toBe('(3 earlier rows since the last update not shown; rows: 3)');
    expect(starts(printed[0])).toEqual([3, 4, 5]);
    scheduler.maxFrames = 1600;
    scheduler.flush();
    // Window 6 arrived after the last update: close shows it rather than losing it.
    await sink.close();
    expect(printed.map(starts)).toEqual([[3, 4, 5], [6]]);
  });

  it('prints host times as local wall-clock time', async () => {
    const printed = captureStdout();
    const scheduler = new VirtualTimeScheduler();
    const context = standaloneContext('t', { kind: 'sink', type: 'stdout', scheduler });
    const sink = await stdoutSink.create(stdoutSink.options.parse({ format: 'table', every: '1s' }), context);
    // 1.5 s after the run's anchor, in host time.
    const batch = recordsBatch('node', [{ name: 'host_time', type: 'f64', unit: 'ns', time: 'host' }, { name: 'v', type: 'f64' }], { host_time: Float64Array.of(1.5e9), v: Float64Array.of(0.25) }, 1);
    scheduler.schedule(() => void sink.write(batch), 10);
    scheduler.maxFrames = 1000;
    scheduler.flush();
    const wallMs = Number(context.clock.anchorWallNs / 1_000_000n) + 1500;
    const date = new Date(wallMs);
    const hms = [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    expect(printed).toHaveLength(1);
    const cells = printed[0].split('\n')[1].trim().split(/\s+/);
    expect(cells[0]).toMatch(new RegExp(`^${hms}\\.\\d{6}$`));
    expect(cells[1]).toBe('0.25');
    await sink.close();
  });
});
