import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { parsePrefix } from '../../../src/operators/trace-recorder/header.js';
import { decodeAll } from './helpers.js';

const fixture = (version: string) => readFileSync(path.join(ROOT, `test/fixtures/trace-recorder/${version}-trace.psf`));

/**
 * The 52 events of the fixtures, read by hand from a hex dump of v10-trace.psf (event code words at
 * byte 176 on: 01 10 = id 0x001 with 1 parameter, 03 40 = id 0x003 with 4...), with the names of
 * TraceRecorder's FreeRTOS kernel port, and the object each one names (first parameter).
 */
const EVENTS: [id: number, params: number, name: string, object: string][] = [
  [0x01, 1, 'TRACE_START', ''],
  [0x03, 4, 'OBJ_NAME', 'channel-foo'],
  [0x03, 3, 'OBJ_NAME', 'TASK_A'],
  [0x10, 2, 'TASK_CREATE', 'TASK_A'],
  [0x03, 3, 'OBJ_NAME', 'TASK_B'],
  [0x10, 2, 'TASK_CREATE', 'TASK_B'],
  [0x07, 3, 'DEFINE_ISR', 'ISR'],
  [0x11, 2, 'QUEUE_CREATE', '0x0000ff03'], // named by the OBJ_NAME after it
  [0x03, 4, 'OBJ_NAME', 'msg-queue'],
  [0x12, 2, 'SEMAPHORE_BINARY_CREATE', '0x0000ff04'],
  [0x03, 3, 'OBJ_NAME', 'bin-sem'],
  [0x16, 2, 'SEMAPHORE_COUNTING_CREATE', '0x0000ff05'],
  [0x03, 4, 'OBJ_NAME', 'count-sem'],
  [0x30, 1, 'TASK_READY', 'TASK_A'],
  [0x37, 2, 'TASK_ACTIVATE', 'TASK_A'],
  [0x50, 2, 'QUEUE_SEND', 'msg-queue'],
  [0x56, 2, 'QUEUE_SEND_BLOCK', 'msg-queue'],
  [0xc0, 2, 'QUEUE_SEND_FRONT', 'msg-queue'],
  [0xc2, 2, 'QUEUE_SEND_FRONT_BLOCK', 'msg-queue'],
  [0x51, 2, 'SEMAPHORE_GIVE', 'bin-sem'],
  [0x51, 2, 'SEMAPHORE_GIVE', 'count-sem'],
  [0x57, 2, 'SEMAPHORE_GIVE_BLOCK', 'bin-sem'],
  [0x57, 2, 'SEMAPHORE_GIVE_BLOCK', 'count-sem'],
  [0x38, 2, 'MEMORY_ALLOC', ''],
  [0x39, 2, 'MEMORY_FREE', ''],
  [0x33, 1, 'ISR_BEGIN', 'ISR'],
  [0x59, 2, 'QUEUE_SEND_FROMISR', 'msg-queue'],
  [0xc3, 2, 'QUEUE_SEND_FRONT_FROMISR', 'msg-queue'],
  [0x5a, 2, 'SEMAPHORE_GIVE_FROMISR', 'bin-sem'],
  [0x5a, 2, 'SEMAPHORE_GIVE_FROMISR', 'count-sem'],
  [0x37, 1, 'TASK_ACTIVATE', 'TASK_A'],
  [0x30, 1, 'TASK_READY', 'TASK_B'],
  [0x37, 2, 'TASK_ACTIVATE', 'TASK_B'],
  [0x60, 3, 'QUEUE_RECEIVE', 'msg-queue'],
  [0x66, 3, 'QUEUE_RECEIVE_BLOCK', 'msg-queue'],
  [0x69, 2, 'QUEUE_RECEIVE_FROMISR', 'msg-queue'],
  [0x70, 3, 'QUEUE_PEEK', 'msg-queue'],
  [0x76, 3, 'QUEUE_PEEK_BLOCK', 'msg-queue'],
  [0x61, 3, 'SEMAPHORE_TAKE', 'bin-sem'],
  [0x61, 3, 'SEMAPHORE_TAKE', 'count-sem'],
  [0x67, 3, 'SEMAPHORE_TAKE_BLOCK', 'bin-sem'],
  [0x67, 3, 'SEMAPHORE_TAKE_BLOCK', 'count-sem'],
  [0x71, 3, 'SEMAPHORE_PEEK', 'bin-sem'],
  [0x71, 3, 'SEMAPHORE_PEEK', 'count-sem'],
  [0x77, 3, 'SEMAPHORE_PEEK_BLOCK', 'bin-sem'],
  [0x77, 3, 'SEMAPHORE_PEEK_BLOCK', 'count-sem'],
  [0x6a, 2, 'SEMAPHORE_TAKE_FROMISR', 'bin-sem'],
  [0x6a, 2, 'SEMAPHORE_TAKE_FROMISR', 'count-sem'],
  [0x93, 8, 'USER_EVENT', ''],
  [0x7a, 1, 'TASK_DELAY', ''],
  [0x66, 3, 'QUEUE_RECEIVE_BLOCK', 'msg-queue'],
  [0xeb, 2, 'UNUSED_STACK', 'TzCtrl'],
];

// Running task or ISR: "(startup)" (handle 2 of TRACE_START) until the first TASK_ACTIVATE (event
// 14), the ISR from ISR_BEGIN (25) until TASK_ACTIVATE of TASK_A (30), TASK_B from event 32 on.
const CONTEXTS = EVENTS.map((_, i) => (i < 14 ? '(startup)' : i < 25 ? 'TASK_A' : i < 30 ? 'ISR' : i < 32 ? 'TASK_A' : 'TASK_B'));

// Sizes of the events: 8 bytes plus 4 per parameter.
const EVENT_BYTES = EVENTS.reduce((n, [, p]) => n + 8 + 4 * p, 0);

describe.each([
  // version, file size, prefix size (72 + 2 entries x (8 + 12 + symbol size 32 or 28)), first count, platform version
  ['v10', 1100, 176, 1, '1.0.0'],
  ['v12', 1092, 168, 6, '1.2.0'],
  ['v13', 1092, 168, 6, '1.2.0'],
] as const)('the %s fixture', (version, size, prefixBytes, firstCount, platformVersion) => {
  const bytes = fixture(version);

  it('has the header fields the bytes hold', () => {
    const result = parsePrefix(bytes, 0, bytes.length);
    if (result.status !== 'ok') throw new Error(`prefix: ${result.status}`);
    const h = result.header;
    expect(h.littleEndian).toBe(true); // 00 46 53 50
    expect(h.formatVersion).toBe(Number(version.slice(1)));
    expect(h.kernelVersion).toBe(0x1aa1);
    expect(h.kernelPort).toBe('FreeRTOS');
    expect(h.cores).toBe(1);
    expect(h.platform).toBe('FreeRTOS');
    expect(h.platformVersion).toBe(platformVersion);
    expect(h.timerType).toBe(1);
    expect(h.frequency).toBe(1_000_000); // 40 42 0f 00
    expect(h.period).toBe(0);
    expect(h.wraparounds).toBe(0);
    expect(h.tickRateHz).toBe(1000); // e8 03
    expect(h.symbolSize).toBe(version === 'v10' ? 32 : 28);
    expect(h.stateCount).toBe(3);
    expect(h.entries.map((e) => e.symbol)).toEqual(['System Heap', 'TzCtrl']);
    expect(h.entries[0].states).toEqual([0, 0, 32768]); // heap current, high water, max
    expect(h.entries[1].handle).toBe(0xff00);
    expect(h.length).toBe(prefixBytes);
  });

  it('decodes completely: every byte is header or event, nothing dropped, truncated or skipped', () => {
    const { stats, warnings } = decodeAll([bytes]);
    expect(bytes.length).toBe(size);
    expect(stats.headerBytes).toBe(prefixBytes);
    expect(stats.eventBytes).toBe(EVENT_BYTES);
    expect(stats.headerBytes + stats.eventBytes).toBe(size);
    expect(stats.garbageBytes + stats.truncatedBytes).toBe(0);
    expect(stats.events).toBe(52);
    expect(stats.dropped + stats.unknownEvents + stats.restarts + stats.truncatedEvents).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('gives the event sequence, names, objects, contexts, counts and timestamps of the bytes', () => {
    const { rows } = decodeAll([bytes]);
    expect(rows.event_id).toEqual(EVENTS.map((e) => e[0]));
    expect(rows.params).toEqual(EVENTS.map((e) => e[1]));
    expect(rows.event).toEqual(EVENTS.map((e) => e[2]));
    expect(rows.object).toEqual(EVENTS.map((e) => e[3]));
    expect(rows.context).toEqual(CONTEXTS);
    // Counts advance by one from the first (1 in v10, 6 from v12 on: the header items are counted).
    expect(rows.count_raw).toEqual(EVENTS.map((_, i) => firstCount + i));
    expect(rows.count).toEqual(EVENTS.map((_, i) => BigInt(firstCount + i)));
    expect(rows.dropped).toEqual(EVENTS.map(() => 0));
    // Timestamps advance by one tick from 0; the timer runs at 1 MHz, so one tick is 1000 ns.
    expect(rows.ticks_raw).toEqual(EVENTS.map((_, i) => i));
    expect(rows.ticks).toEqual(EVENTS.map((_, i) => BigInt(i)));
    expect(rows.t_ns).toEqual(EVENTS.map((_, i) => i * 1000));
    expect(rows.session).toEqual(EVENTS.map(() => 0));
  });

  it('formats the printf event, gives priorities, and tracks heap and stack', () => {
    const { rows, sessions } = decodeAll([bytes]);
    // Event 48: channel 0x56607734 (v10) named "channel-foo", args 0xfffffffe and 0x20, format inline.
    expect(rows.channel[48]).toBe('channel-foo');
    expect(rows.text[48]).toBe('int -2, unsigned 32');
    expect(rows.text.filter((t, i) => i !== 48 && t !== '')).toEqual([]);
    // DEFINE_ISR "ISR" has priority 2; TASK_A and TASK_B are created with priority 0.
    expect(rows.priority[6]).toBe(2);
    expect(rows.priority[3]).toBe(0);
    expect(rows.priority[25]).toBe(2); // ISR_BEGIN of that ISR
    expect(rows.priority[15]).toBe(-1); // a queue has none
    // MEMORY_ALLOC of 4 bytes then MEMORY_FREE of 4: heap back to 0, high water 4, max from the table.
    expect(sessions).toHaveLength(1);
    expect(sessions[0].heap).toEqual({ current: 0, highWater: 4, max: 32768 });
    // UNUSED_STACK: TzCtrl (0xff00) has 50 unused.
    const tzctrl = sessions[0].objects.find((o) => o.name === 'TzCtrl');
    expect(tzctrl?.stackLowWater).toBe(50);
    const classes = Object.fromEntries(sessions[0].objects.map((o) => [o.name, o.class]));
    expect(classes).toMatchObject({ TASK_A: 'task', TASK_B: 'task', ISR: 'isr', 'msg-queue': 'queue', 'bin-sem': 'semaphore', 'count-sem': 'semaphore', 'channel-foo': 'string', TzCtrl: 'task' });
  });

  it('gives the same records whatever the chunk size', () => {
    const whole = decodeAll([bytes]).rows;
    for (const size of [1, 3, 7, 13, 64]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(decodeAll(chunks).rows).toEqual(whole);
    }
  });
});
