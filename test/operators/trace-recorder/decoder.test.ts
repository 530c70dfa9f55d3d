import { describe, expect, it } from 'vitest';
import { ticksToNs } from '../../../src/operators/trace-recorder/time.js';
import { TraceWriter } from './generator.js';
import { decodeAll } from './helpers.js';

const TASK_A = 0x1000;
const TASK_B = 0x1004;
const QUEUE = 0x2000;

/** A small trace: TRACE_START, two named tasks, switches between them and a queue send. */
function smallTrace(spec: ConstructorParameters<typeof TraceWriter>[0] = {}): TraceWriter {
  const w = new TraceWriter(spec);
  w.event(0x01, [2]); // TRACE_START, "(startup)" running
  w.name(TASK_A, 'alpha');
  w.event(0x10, [TASK_A, 3]); // TASK_CREATE, priority 3
  w.name(TASK_B, 'beta');
  w.event(0x10, [TASK_B, 5]);
  w.event(0x37, [TASK_A, 3]); // TASK_ACTIVATE alpha
  w.event(0x50, [QUEUE, 1]); // QUEUE_SEND to an unnamed queue
  w.event(0x37, [TASK_B, 5]);
  return w;
}

describe('trace_recorder decoding: counters', () => {
  it('unwraps a u16 count that wraps without a gap', () => {
    const w = new TraceWriter({}, 65534);
    for (let k = 0; k < 4; k++) w.event(0x30, [TASK_A]); // counts 65534, 65535, 0, 1
    const { rows, stats } = decodeAll([w.bytes()]);
    expect(rows.count_raw).toEqual([65534, 65535, 0, 1]);
    expect(rows.count).toEqual([65534n, 65535n, 65536n, 65537n]);
    expect(rows.dropped).toEqual([0, 0, 0, 0]);
    expect(stats.dropped).toBe(0);
  });

  it('counts the events missing in a gap across the wrap', () => {
    const w = new TraceWriter({}, 65534);
    w.event(0x30, [TASK_A]); // 65534
    w.event(0x30, [TASK_A], { count: 2 }); // 65535, 0 and 1 are missing
    const { rows, stats, warnings } = decodeAll([w.bytes()]);
    expect(rows.count).toEqual([65534n, 65538n]);
    expect(rows.dropped).toEqual([0, 3]);
    expect(stats.dropped).toBe(3);
    expect(warnings.map((x) => [x.kind, x.count])).toEqual([['drop', 65538]]);
  });

  it('counts a jump of exactly 65,536 (the same raw count again) as 65,535 dropped events, not as nothing', () => {
    const w = new TraceWriter({}, 10);
    w.event(0x30, [TASK_A]); // 10
    w.event(0x30, [TASK_A], { count: 10 }); // 10 again: a whole turn of the counter went by
    w.event(0x30, [TASK_A]); // 11
    const { rows, stats } = decodeAll([w.bytes()]);
    expect(rows.count).toEqual([10n, 65546n, 65547n]);
    expect(rows.dropped).toEqual([0, 65535, 0]);
    expect(stats.dropped).toBe(65535);
  });

  it('unwraps 12-bit counts per core on a multi-core trace (core in bits 12-15)', () => {
    const w = new TraceWriter({ cores: 2 });
    w.event(0x30, [TASK_A], { count: 0x0ffe }); // core 0, 4094
    w.event(0x30, [TASK_A], { count: 0x1005 }); // core 1, 5
    w.event(0x30, [TASK_A], { count: 0x0fff }); // core 0, 4095
    w.event(0x30, [TASK_A], { count: 0x0001 }); // core 0, 1: 0 is missing
    w.event(0x30, [TASK_A], { count: 0x1006 }); // core 1, 6
    const { rows } = decodeAll([w.bytes()]);
    expect(rows.count).toEqual([4094n, 5n, 4095n, 4097n, 6n]);
    expect(rows.dropped).toEqual([0, 0, 0, 1, 0]);
  });
});

describe('trace_recorder decoding: time', () => {
  it('unwraps the u32 timer, seeded with the header wraparound count', () => {
    const w = new TraceWriter({ wraparounds: 3, frequency: 1_000_000 });
    w.event(0x30, [TASK_A], { ticks: 0xfffffff0 });
    w.event(0x30, [TASK_A], { ticks: 0xffffffff });
    w.event(0x30, [TASK_A], { ticks: 0x10 }); // wrapped
    const { rows } = decodeAll([w.bytes()]);
    const base = 3n * 2n ** 32n;
    expect(rows.ticks_raw).toEqual([0xfffffff0, 0xffffffff, 0x10]);
    expect(rows.ticks).toEqual([base + 0xfffffff0n, base + 0xffffffffn, base + 2n ** 32n + 0x10n]);
    // 1 MHz: 1000 ns per tick, exact.
    expect(rows.t_ns).toEqual([(3 * 2 ** 32 + 0xfffffff0) * 1000, (3 * 2 ** 32 + 0xffffffff) * 1000, (4 * 2 ** 32 + 0x10) * 1000]);
  });

  it('has no t_ns column when the frequency is 0', () => {
    const w = new TraceWriter({ frequency: 0 });
    w.event(0x30, [TASK_A]);
    const { events } = decodeAll([w.bytes()]);
    expect(events[0].schema.fields.map((f) => f.name)).not.toContain('t_ns');
    const other = new TraceWriter({ frequency: 10 });
    other.event(0x30, [TASK_A]);
    const withNs = decodeAll([other.bytes()]).events[0];
    expect(withNs.schema.fields.find((x) => x.name === 't_ns')?.time).toBe('device');
  });

  it('converts ticks to ns as floor(ticks * 1e9 / frequency), exactly', () => {
    // Checked against BigInt arithmetic, for frequencies that do not divide 1e9.
    for (const frequency of [168_000_000, 72_000_000, 32_768, 3, 4_294_967_295]) {
      for (const ticks of [0, 1, 167_999_999, 2 ** 32 + 12_345, 2 ** 40 + 7, 1_234_567_890_123]) {
        const exact = (BigInt(ticks) * 1_000_000_000n) / BigInt(frequency);
        if (exact > 2n ** 53n) continue;
        expect(ticksToNs(ticks, frequency)).toBe(Number(exact));
      }
    }
  });
});

describe('trace_recorder decoding: stream structure', () => {
  it('follows a restart mid-stream: a new session with its own header, symbols and counters, not a drop', () => {
    const first = smallTrace();
    const second = new TraceWriter({ version: 13, frequency: 2_000_000, entries: [{ handle: TASK_A, states: [7], symbol: 'gamma' }] }, 6);
    second.event(0x01, [TASK_A], { ticks: 100 });
    second.event(0x37, [TASK_A, 7]);
    const { rows, stats, warnings, sessions } = decodeAll([Buffer.concat([first.bytes(), second.bytes()])]);
    expect(rows.session).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    expect(rows.count.slice(8)).toEqual([6n, 7n]);
    expect(rows.dropped).toEqual(new Array(10).fill(0));
    expect(rows.context.slice(8)).toEqual(['gamma', 'gamma']); // TASK_A's handle has the new session's name
    expect(rows.t_ns.slice(8)).toEqual([50_000, 50_500]); // 2 MHz: 500 ns per tick
    expect(stats.restarts).toBe(1);
    expect(stats.dropped).toBe(0);
    expect(warnings.map((x) => x.kind)).toEqual(['restart']);
    expect(sessions.map((s) => s.session)).toEqual([0, 1]);
  });

  it('counts garbage before the first start word and decodes what follows', () => {
    const garbage = Buffer.from(Array.from({ length: 37 }, (_, i) => (i * 29 + 1) & 0xff));
    const trace = smallTrace().bytes();
    const { rows, stats, warnings } = decodeAll([Buffer.concat([garbage, trace])]);
    expect(stats.garbageBytes).toBe(37);
    expect(stats.headerBytes + stats.eventBytes).toBe(trace.length);
    expect(rows.event).toHaveLength(8);
    expect(warnings.map((x) => x.kind)).toEqual(['garbage']);
  });

  it('skips a start word without a valid header (counted) and decodes the real trace after it', () => {
    // A fake start word, then 68 bytes whose "timer type" (bytes 32-35 after it) is 0xffffffff.
    const fake = Buffer.concat([Buffer.from([0x00, 0x46, 0x53, 0x50]), Buffer.alloc(68, 0xff)]);
    const trace = smallTrace().bytes();
    const { rows, stats, warnings } = decodeAll([Buffer.concat([fake, trace])]);
    expect(stats.badHeaders).toBe(1);
    expect(stats.garbageBytes).toBe(fake.length);
    expect(stats.headerBytes + stats.eventBytes).toBe(trace.length);
    expect(rows.event).toHaveLength(8);
    expect(rows.session).toEqual(new Array(8).fill(0));
    expect(warnings.map((x) => x.kind)).toEqual(['bad_header', 'garbage']);
  });

  it('counts a truncated last event and does not emit it', () => {
    const trace = smallTrace().bytes();
    const cut = trace.subarray(0, trace.length - 5); // the last TASK_ACTIVATE is 16 bytes; 11 remain
    const { rows, stats, warnings } = decodeAll([cut]);
    expect(rows.event).toHaveLength(7);
    expect(stats.truncatedEvents).toBe(1);
    expect(stats.truncatedBytes).toBe(11);
    expect(stats.headerBytes + stats.eventBytes + stats.truncatedBytes).toBe(cut.length);
    expect(warnings.map((x) => x.kind)).toEqual(['truncated']);
  });

  it('decodes a big-endian trace to the same records as its little-endian twin', () => {
    const little = decodeAll([smallTrace({ littleEndian: true }).bytes()]).rows;
    const bigBytes = smallTrace({ littleEndian: false }).bytes();
    expect([...bigBytes.subarray(0, 4)]).toEqual([0x50, 0x53, 0x46, 0x00]);
    const big = decodeAll([bigBytes]).rows;
    expect(big).toEqual(little);
    expect(big.object).toEqual(['', 'alpha', 'alpha', 'beta', 'beta', 'alpha', '0x00002000', 'beta']);
    expect(big.priority).toEqual([-1, -1, 3, -1, 5, 3, -1, 5]);
  });

  it('reads the v14 header order (platform version before name, period before frequency)', () => {
    const w = smallTrace({ version: 14, frequency: 4_000_000 });
    const { rows, warnings } = decodeAll([w.bytes()]);
    expect(warnings).toEqual([]);
    expect(rows.t_ns.slice(0, 3)).toEqual([0, 250, 500]);
  });

  it('warns about an unknown format version and decodes it with the nearest layout', () => {
    const w = smallTrace({ version: 15 as 14 });
    const { rows, warnings } = decodeAll([w.bytes()]);
    expect(warnings.map((x) => x.kind)).toEqual(['unknown_version']);
    expect(rows.event).toHaveLength(8);
  });

  it('keeps unknown event ids as UNKNOWN with their raw parameters, counted and warned once per id', () => {
    const w = new TraceWriter();
    w.event(0x1ab, [0xdeadbeef, 7]);
    w.event(0x1ab, [1]);
    const { rows, stats, warnings } = decodeAll([w.bytes()]);
    expect(rows.event).toEqual(['UNKNOWN', 'UNKNOWN']);
    expect(rows.event_id).toEqual([0x1ab, 0x1ab]);
    expect(rows.params).toEqual([2, 1]);
    expect(rows.text).toEqual(['0xdeadbeef 0x00000007', '0x00000001']);
    expect(stats.unknownEvents).toBe(2);
    expect(warnings.map((x) => x.kind)).toEqual(['unknown_event']);
  });

  it('decodes events without parameters (8 bytes each) however many fit in a chunk', () => {
    const w = new TraceWriter({}, 0);
    for (let k = 0; k < 1000; k++) w.event(k % 2 ? 0x3a : 0x3b, []); // LOWPOWER_BEGIN / _END
    const { rows, stats } = decodeAll([w.bytes()]);
    expect(rows.event).toHaveLength(1000);
    expect(rows.count).toEqual(Array.from({ length: 1000 }, (_, k) => BigInt(k)));
    expect(rows.event.slice(0, 2)).toEqual(['LOWPOWER_END', 'LOWPOWER_BEGIN']);
    expect(stats.eventBytes).toBe(8000);
  });

  it('warns when a handle is renamed (a stale symbol)', () => {
    const w = new TraceWriter();
    w.name(TASK_A, 'old');
    w.name(TASK_A, 'new');
    w.event(0x30, [TASK_A]);
    const { rows, warnings } = decodeAll([w.bytes()]);
    expect(rows.object).toEqual(['old', 'new', 'new']);
    expect(warnings.map((x) => x.kind)).toEqual(['stale_symbol']);
  });

  it('gives identical records when a small stream is split at every byte offset', () => {
    const w = smallTrace();
    w.printf(0, 'x=%d', [42]);
    w.event(0x1ab, [5]);
    const bytes = Buffer.concat([Buffer.from([1, 2, 3]), w.bytes()]);
    const whole = decodeAll([bytes]);
    expect(whole.rows.event).toHaveLength(10);
    for (let at = 0; at <= bytes.length; at++) {
      const split = decodeAll([bytes.subarray(0, at), bytes.subarray(at)]);
      expect(split.rows).toEqual(whole.rows);
      expect(split.stats).toEqual(whole.stats);
    }
    const bytewise = decodeAll(Array.from(bytes, (b) => Buffer.from([b])));
    expect(bytewise.rows).toEqual(whole.rows);
  });
});

describe('trace_recorder decoding: printf user events', () => {
  const CHANNEL = 0x3000;
  const FORMAT = 0x3100;
  const STRING = 0x3200;

  function printfTrace(fill: (w: TraceWriter) => void) {
    const w = new TraceWriter();
    w.name(CHANNEL, 'log');
    w.name(STRING, 'motor');
    fill(w);
    return decodeAll([w.bytes()], { customPrintfEventId: 0xfa0 });
  }

  it('formats plain printf events with every documented specifier', () => {
    const f32 = (v: number) => new DataView(Float32Array.of(v).buffer).getUint32(0, true);
    const f64 = new DataView(Float64Array.of(-2.25).buffer);
    const cases: [string, number[], string][] = [
      ['%d %u', [0xfffffffe, 0xfffffffe], '-2 4294967294'],
      ['%x %X', [0xbeef, 0xbeef], 'beef BEEF'],
      ['%s!', [STRING], 'motor!'],
      ['%f', [f32(1.5)], '1.500000'],
      ['%.2f', [f32(-0.25)], '-0.25'],
      ['%lf', [f64.getUint32(0, true), f64.getUint32(4, true)], '-2.250000'],
      ['%hd %hu', [0x1fffe, 0x1fffe], '-2 65534'],
      ['%bd %bu', [0x1ff, 0x1ff], '-1 255'],
      ['%p', [0x20001000], '0x20001000'],
      ['%c%c', [0x48, 0x69], 'Hi'],
      ['100%%', [], '100%'],
      ['[%5d] [%-4u] [%05d] [%08X]', [42, 7, -42, 0xabc], '[   42] [7   ] [-0042] [00000ABC]'],
    ];
    const { rows, warnings } = printfTrace((w) => {
      for (const [format, args] of cases) w.printf(CHANNEL, format, args);
    });
    expect(warnings).toEqual([]);
    expect(rows.text.slice(2)).toEqual(cases.map((c) => c[2]));
    expect(rows.channel.slice(2)).toEqual(cases.map(() => 'log'));
    expect(rows.event.slice(2)).toEqual(cases.map(() => 'USER_EVENT'));
  });

  it('formats fixed printf events from the symbol table, and custom printf events by the option id', () => {
    const { rows, stats } = printfTrace((w) => {
      w.name(FORMAT, 'speed %u rpm, %s');
      w.fixedPrintf(CHANNEL, FORMAT, [1200, STRING]);
      w.customPrintf(0xfa0, CHANNEL, 'temp %d C', [0xfffffff6]);
      w.printf(0, 'on the default channel', []);
    });
    expect(rows.text.slice(3)).toEqual(['speed 1200 rpm, motor', 'temp -10 C', 'on the default channel']);
    expect(rows.event.slice(3)).toEqual(['USER_EVENT', 'USER_EVENT', 'USER_EVENT']);
    expect(rows.event_id.slice(3)).toEqual([0x9a, 0xfa0, 0x91]);
    expect(rows.channel.slice(3)).toEqual(['log', 'log', 'default']);
    expect(stats.unknownEvents).toBe(0);
  });

  it('keeps the raw format of a printf it cannot format, with a warning', () => {
    const { rows, warnings } = printfTrace((w) => {
      w.printf(CHANNEL, 'odd %q', [1]);
      w.printf(CHANNEL, 'needs %d %d', [1]);
    });
    expect(rows.text.slice(2)).toEqual(['odd %q', 'needs %d %d']);
    expect(warnings.map((x) => x.kind)).toEqual(['printf', 'printf']);
  });
});
