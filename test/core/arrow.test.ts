import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowSchema, recordsToArrow } from '../../src/core/arrow.js';
import { recordsBatch } from '../../src/core/batch.js';
import { createClock } from '../../src/core/clock.js';

describe('recordsToArrow', () => {
  const clock = createClock();
  const voltage = Float32Array.of(1.5, 2.5, 3.5);
  const counter = new BigInt64Array([1n, 2n, 3n]);
  const batch = recordsBatch(
    'node',
    [
      { name: 't', type: 'f64', time: 'host' },
      { name: 'dev', type: 'f64', time: 'device' },
      { name: 'voltage', type: 'f32', unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 } },
      { name: 'count', type: 'i64' },
      { name: 'task', type: 'string' },
      { name: 'blob', type: 'binary' },
    ],
    {
      t: Float64Array.of(0, 10, 20),
      dev: Float64Array.of(5, 6, 7),
      voltage,
      count: counter,
      task: { codes: Int32Array.of(1, 0, 1), dictionary: ['idle', 'net'] },
      blob: { data: Uint8Array.of(1, 2, 3), offsets: Int32Array.of(0, 1, 1, 3) },
    },
    3,
  );

  it('shares numeric buffers instead of copying them', () => {
    const rb = recordsToArrow(batch, clock);
    expect(rb.getChild('voltage')!.data[0].values).toBe(voltage);
    expect(rb.getChild('count')!.data[0].values).toBe(counter);
  });

  it('makes host time absolute, keeps device time as int64 ns, and keeps strings, binary and metadata', () => {
    const rb = recordsToArrow(batch, clock);
    expect(String(rb.schema.fields[0].type)).toBe('Timestamp<NANOSECOND>');
    expect([...(rb.getChild('t')!.data[0].values as BigInt64Array)]).toEqual([0n, 10n, 20n].map((v) => clock.anchorWallNs + v));
    expect(String(rb.schema.fields[1].type)).toBe('Int64');
    expect([...(rb.getChild('dev')!.data[0].values as BigInt64Array)]).toEqual([5n, 6n, 7n]);
    expect(rb.getChild('task')!.toArray()).toEqual(['net', 'idle', 'net']);
    expect(rb.getChild('blob')!.get(2)).toEqual(Uint8Array.of(2, 3));
    expect(rb.schema.fields[2].metadata.get('unit')).toBe('V');
    expect(JSON.parse(rb.schema.fields[2].metadata.get('calibration')!)).toEqual({ raw: 'voltage_raw', gain: 3e-9, offset: 0 });
    // Round trip through IPC keeps all of it.
    const back = arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([rb]), 'stream'));
    expect(back.numRows).toBe(3);
    expect(back.getChild('task')!.toArray()).toEqual(['net', 'idle', 'net']);
  });

  it('uses the chosen unit and leaves out omitted columns', () => {
    const options = { timestampUnit: 'ms', deviceTime: 'timestamp', omit: ['blob'] } as const;
    const rb = recordsToArrow(batch, clock, options, arrowSchema(batch.schema, options));
    expect(rb.schema.fields.map((f) => f.name)).not.toContain('blob');
    expect(String(rb.schema.fields[1].type)).toBe('Timestamp<MILLISECOND>');
    expect((rb.getChild('t')!.data[0].values as BigInt64Array)[0]).toBe(clock.anchorWallNs / 1_000_000n);
  });
});
