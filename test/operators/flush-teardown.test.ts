import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { type Batch, type Field, bytesBatch, framesBatch, recordsBatch } from '../../src/core/batch.js';
import type { OperatorDefinition } from '../../src/core/component.js';
import { buildOperator } from '../../src/core/standalone.js';
import { cpuWindow } from '../../src/operators/cpu-window/index.js';
import { crcOperator } from '../../src/operators/crc/index.js';
import { decodeOperator } from '../../src/operators/decode/index.js';
import { derive } from '../../src/operators/derive.js';
import { downsample } from '../../src/operators/downsample/index.js';
import { filter } from '../../src/operators/filter.js';
import { frameOperator } from '../../src/operators/frame/index.js';
import { jitter } from '../../src/operators/jitter.js';
import { rename } from '../../src/operators/rename.js';
import { rollover } from '../../src/operators/rollover/index.js';
import { routeOperator } from '../../src/operators/route.js';
import { select } from '../../src/operators/select.js';
import { window } from '../../src/operators/window/index.js';

/** Records from plain number columns, every column f64 unless a field says otherwise. */
function rows(columns: Record<string, number[]>, fields: Partial<Record<string, Partial<Field>>> = {}): Batch {
  const names = Object.keys(columns);
  const schema: Field[] = names.map((name) => ({ name, type: 'f64', ...fields[name] }) as Field);
  return recordsBatch('dev', schema, Object.fromEntries(names.map((n) => [n, Float64Array.from(columns[n])])), columns[names[0]].length);
}

/** Frames from byte arrays, one backing buffer. */
function frames(...list: number[][]): Batch {
  const buffer = Buffer.from(list.flat());
  const offsets = new Uint32Array(list.length);
  const lengths = Uint32Array.from(list.map((f) => f.length));
  for (let i = 1; i < list.length; i++) offsets[i] = offsets[i - 1] + lengths[i - 1];
  return framesBatch('dev', buffer, offsets, lengths, new Float64Array(list.length));
}

/** What a test compares: the kind, the column names (or frame bytes) and the row count. */
function summary(batch: Batch): string {
  if (batch.kind === 'records') return `${batch.schema.fields.map((f) => f.name).join(',')}|${batch.length}`;
  if (batch.kind === 'frames') return `frames|${Array.from({ length: batch.count }, (_, i) => batch.buffer.toString('latin1', batch.offsets[i], batch.offsets[i] + batch.lengths[i])).join(',')}`;
  return `bytes|${batch.data.length}`;
}

interface Case {
  readonly definition: OperatorDefinition;
  readonly options: Record<string, unknown>;
  readonly a: Batch;
  readonly b: Batch;
  /** A batch of a kind the operator does not take. */
  readonly wrong: Batch;
  /** Summaries of what the operator emits for a, for b, and when its input completes. */
  readonly atA: string[];
  readonly atB: string[];
  readonly flushed: string[];
}

const ms = 1e6;
const bytes = bytesBatch('dev', Buffer.from([1]), 0);
const records = rows({ v: [1] });
// "123456789" with its CRC-8/SMBUS check value 0xF4, and the same with a wrong CRC.
const good = [...Buffer.from('123456789'), 0xf4];
const bad = [...Buffer.from('123456789'), 0xf5];

const CASES: Record<string, Case> = {
  rollover: { definition: rollover, options: { field: 'seq', bits: 16 }, a: rows({ seq: [65534, 65535] }), b: rows({ seq: [0] }), wrong: bytes, atA: ['seq,seq_epoch|2'], atB: ['seq,seq_epoch|1'], flushed: [] },
  derive: { definition: derive, options: { fields: { w: 'v * 2' } }, a: rows({ v: [1, 2] }), b: rows({ v: [3] }), wrong: bytes, atA: ['v,w|2'], atB: ['v,w|1'], flushed: [] },
  select: { definition: select, options: { fields: ['w'] }, a: rows({ v: [1, 2], w: [3, 4] }), b: rows({ v: [5], w: [6] }), wrong: bytes, atA: ['w|2'], atB: ['w|1'], flushed: [] },
  rename: { definition: rename, options: { fields: { v: 'x' } }, a: rows({ v: [1, 2] }), b: rows({ v: [3] }), wrong: bytes, atA: ['x|2'], atB: ['x|1'], flushed: [] },
  filter: { definition: filter, options: { where: 'v > 1' }, a: rows({ v: [1, 2, 3] }), b: rows({ v: [0, 5] }), wrong: bytes, atA: ['v|2'], atB: ['v|1'], flushed: [] },
  jitter: {
    definition: jitter,
    options: { sent: 'ts', arrival: 'ta' },
    a: rows({ ts: [0, 10], ta: [5, 16] }),
    b: rows({ ts: [20], ta: [25] }),
    wrong: bytes,
    atA: ['ts,ta,jitter|2'],
    atB: ['ts,ta,jitter|1'],
    flushed: [],
  },
  route: { definition: routeOperator, options: { field: 'k', routes: { one: 1 } }, a: rows({ k: [0, 1, 0] }), b: rows({ k: [1] }), wrong: frames([1]), atA: ['k|2'], atB: [], flushed: [] },
  // Bucket [0, 10 ms) closes when b starts [10, 20 ms); that one is open until the input completes.
  downsample: {
    definition: downsample,
    options: { method: 'minmax', every: '10ms' },
    a: rows({ t: [0, 1 * ms, 2 * ms], v: [1, 5, 3] }, { t: { time: 'device' } }),
    b: rows({ t: [12 * ms, 13 * ms], v: [7, 6] }, { t: { time: 'device' } }),
    wrong: bytes,
    atA: [],
    atB: ['t,v|2'],
    flushed: ['t,v|2'],
  },
  window: {
    definition: window,
    options: { every: '10ms', fields: ['v'], stats: ['count'] },
    a: rows({ t: [0, 1 * ms, 2 * ms], v: [1, 5, 3] }, { t: { time: 'device' } }),
    b: rows({ t: [12 * ms, 13 * ms], v: [7, 6] }, { t: { time: 'device' } }),
    wrong: bytes,
    atA: [],
    atB: ['window_start,window_end,count,complete|1'],
    flushed: ['window_start,window_end,count,complete|1'],
  },
  // The window closes at the first switch after 500 ms (task 1 at 600 ms); each window has one row
  // per task seen so far (tasks 1 and 2), also the open one cut at completion, where task 2 ran 0 ns.
  cpu_window: {
    definition: cpuWindow,
    options: { window: '500ms', event: false },
    a: rows({ t: [0, 100 * ms], task_id: [1, 2] }, { t: { time: 'device' } }),
    b: rows({ t: [600 * ms, 700 * ms], task_id: [1, 1] }, { t: { time: 'device' } }),
    wrong: bytes,
    atA: [],
    atB: ['window_start,window_end,task_id,runtime,runtime_in_window,runtime_window,cpu_utilization,complete|2'],
    flushed: ['window_start,window_end,task_id,runtime,runtime_in_window,runtime_window,cpu_utilization,complete|2'],
  },
  // The last line has no newline: it is held until the input completes.
  frame: { definition: frameOperator, options: { format: 'lines' }, a: bytesBatch('dev', Buffer.from('ab\ncd'), 0), b: bytesBatch('dev', Buffer.from('\nef'), 1), wrong: records, atA: ['frames|ab'], atB: ['frames|cd'], flushed: ['frames|ef'] },
  crc: { definition: crcOperator, options: { algorithm: 'CRC-8' }, a: frames(good, bad), b: frames(bad), wrong: records, atA: ['frames|123456789\xf4'], atB: [], flushed: [] },
  decode: { definition: decodeOperator, options: { fields: [{ name: 'x', type: 'u8', offset: 0 }] }, a: frames([1], [2]), b: frames([3]), wrong: records, atA: ['x,host_time|2'], atB: ['x,host_time|1'], flushed: [] },
};

/** Input at frames 1 and 11, end at 21; the expected marble puts each step's output at its frame. */
function expected(events: [number, string[]][], end: number, endChar: '|' | '#' | ''): { marble: string; values: Record<string, string> } {
  const values: Record<string, string> = {};
  const letter = (value: string) => {
    const key = Object.keys(values).find((k) => values[k] === value) ?? String.fromCharCode(97 + Object.keys(values).length);
    values[key] = value;
    return key;
  };
  let marble = '';
  const put = (frame: number, group: string[]) => {
    while (marble.length < frame) marble += '-';
    marble += group.length === 1 ? group[0] : `(${group.join('')})`;
  };
  for (const [frame, list] of events) if (list.length > 0 && !(endChar && frame === end)) put(frame, list.map(letter));
  if (endChar) put(end, [...(events.find(([f]) => f === end)?.[1].map(letter) ?? []), endChar]);
  return { marble, values };
}

const scheduler = () => new TestScheduler((actual, wanted) => expect(actual).toEqual(wanted));

describe.each(Object.entries(CASES))('%s: flush and teardown in virtual time', (_name, c) => {
  const build = () => buildOperator(c.definition, c.options as never).operator;

  it('emits per batch and flushes partial state when the input completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const input = cold('-a---------b---------|', { a: c.a, b: c.b });
      const { marble, values } = expected([[1, c.atA], [11, c.atB], [21, c.flushed]], 21, '|');
      expectObservable(input.pipe(build(), map(summary))).toBe(marble, values);
    });
  });

  it('tears down on unsubscribe without flushing', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const input = hot('-a---------b---------|', { a: c.a, b: c.b });
      const { marble, values } = expected([[1, c.atA], [11, c.atB]], 15, '');
      expectObservable(input.pipe(build(), map(summary)), '^--------------!').toBe(marble, values);
      expectSubscriptions(input.subscriptions).toBe('^--------------!');
    });
  });

  it('passes an upstream error on, and fails on a batch of a kind it does not take', () => {
    scheduler().run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const failing = cold('-a---------#', { a: c.a }, new Error('device gone'));
      const first = expected([[1, c.atA]], 11, '#');
      expectObservable(failing.pipe(build(), map(summary))).toBe(first.marble, first.values, new Error('device gone'));

      const mixed = hot('-a---------w---------|', { a: c.a, w: c.wrong });
      expectObservable(mixed.pipe(build(), map(summary))).toBe(first.marble, first.values, new Error(`takes ${c.a.kind} batches, got ${c.wrong.kind}`));
      expectSubscriptions(mixed.subscriptions).toBe('^----------!');
    });
  });
});
