import { describe, expect, it } from 'vitest';
import type { RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { jitter } from '../../src/operators/jitter.js';
import { SPLITS, batchOf, flatten, split } from './records-helpers.js';

/**
 * Reference computed by hand (sent in us, arrival in ns, transit in ns):
 *
 * | seq | sent us | arrival ns | transit   | abs(D)    | J = J + (abs(D) - J) / 16 | lost | out of order |
 * |-----|---------|------------|-----------|-----------|---------------------------|------|--------------|
 * | 1   | 0       | 1_000_000  | 1_000_000 | (seed)    | 0                         | 0    | 0            |
 * | 2   | 1000    | 2_200_000  | 1_200_000 | 200_000   | 12_500                    | 0    | 0            |
 * | 4   | 3000    | 3_900_000  | 900_000   | 300_000   | 30_468.75                 | 1    | 0            |
 * | 3   | 2000    | 4_100_000  | 2_100_000 | 1_200_000 | 103_564.453125            | 0    | 1 (late)     |
 * | 5   | 4000    | 5_000_000  | 1_000_000 | 1_100_000 | 165_841.6748046875        | 0    | 1            |
 * | 8   | 7000    | 8_000_000  | 1_000_000 | 0         | 155_476.57012939453125    | 2    | 1            |
 * | 8   | 7000    | 8_500_000  | 1_500_000 | 500_000   | 177_009.284496307373046875| 1    | 2 (repeat)   |
 */
const table = {
  seq: [1, 2, 4, 3, 5, 8, 8],
  sent: [0, 1000, 3000, 2000, 4000, 7000, 7000],
  arrival: [1_000_000, 2_200_000, 3_900_000, 4_100_000, 5_000_000, 8_000_000, 8_500_000],
  jitter: [0, 12_500, 30_468.75, 103_564.453125, 165_841.6748046875, 155_476.57012939453125, 177_009.284496307373046875],
  lost: [0, 0, 1, 0, 0, 2, 1],
  outOfOrder: [0, 0, 0, 1, 1, 1, 2],
};

function stream(seq: number[], sent: number[], arrival: number[]): RecordsBatch {
  return batchOf(
    [
      { name: 'seq', type: 'f64' },
      { name: 't_sent_us', type: 'f64', time: 'device' },
      { name: 'host_time_ns', type: 'f64', time: 'host' },
    ],
    { seq: Float64Array.from(seq), t_sent_us: Float64Array.from(sent), host_time_ns: Float64Array.from(arrival) },
  );
}

const opts = { sent_unit: 'us' as const, seq: 'seq', jitter_unit: 'ns' as const };

describe('jitter', () => {
  it('matches the hand-computed RFC 3550 jitter and iperf3 loss / out-of-order table', async () => {
    const { output, context } = await runOperator(jitter, opts, [stream(table.seq, table.sent, table.arrival)]);
    const rows = flatten(output);
    expect(rows.jitter).toEqual(table.jitter);
    expect(rows.lost).toEqual(table.lost);
    expect(rows.out_of_order).toEqual(table.outOfOrder);
    expect(context.metrics.gauges.get('lost')).toBe(1);
    expect(context.metrics.counters.get('out_of_order')).toBe(2);
  });

  it('reports jitter in ms by default and works without a sequence column', async () => {
    const { output } = await runOperator(jitter, { sent: 't_sent_us', sent_unit: 'us', arrival: 'host_time_ns' }, [stream(table.seq, table.sent, table.arrival)]);
    const rows = flatten(output);
    rows.jitter.forEach((v, i) => expect(v).toBeCloseTo(table.jitter[i] / 1e6, 12));
    expect(rows.lost).toBeUndefined();
    const out = output[0] as RecordsBatch;
    expect(out.schema.fields.find((f) => f.name === 'jitter')?.unit).toBe('ms');
  });

  it('gives identical output for batches of 1, 7 and 4096 rows and empty batches', async () => {
    const n = 5000;
    const seq: number[] = [];
    const sent: number[] = [];
    const arrival: number[] = [];
    let s = 0;
    for (let k = 0; k < n; k++) {
      s += k % 97 === 0 ? 3 : 1;
      const late = k % 131 === 0 && k > 0;
      seq.push(late ? s - 2 : s);
      sent.push(s * 1000);
      arrival.push(s * 1_000_000 + ((k * 7919) % 50_000));
    }
    const input = stream(seq, sent, arrival);
    const { output: whole } = await runOperator(jitter, opts, [input]);
    for (const size of SPLITS) {
      const { output } = await runOperator(jitter, opts, split(input, size));
      expect(flatten(output)).toEqual(flatten(whole));
    }
  });

  it('names a missing column', async () => {
    await expect(runOperator(jitter, { seq: 'sequence' }, [stream([1], [0], [0])])).rejects.toThrow('column "sequence" does not exist (columns: seq, t_sent_us, host_time_ns)');
    const noTime = batchOf([{ name: 'x', type: 'f64' }], { x: new Float64Array(1) });
    await expect(runOperator(jitter, {}, [noTime])).rejects.toThrow(/no device-time column; name it with the "sent" option/);
  });
});
