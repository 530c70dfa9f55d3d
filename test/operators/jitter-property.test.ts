import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { jitter } from '../../src/operators/jitter.js';
import { prng, randomInt } from '../helpers/bytes.js';
import { batchOf, flatten } from './records-helpers.js';

const CASES = 100;

interface Packet {
  seq: number;
  sentUs: number;
  arrivalNs: number;
}

/** Packets in arrival order: sequence gaps (lost), a few adjacent swaps (late), random network delay. */
function traffic(random: () => number): Packet[] {
  const n = 2 + randomInt(random, 2000);
  const packets: Packet[] = [];
  let seq = randomInt(random, 1000);
  let sentUs = randomInt(random, 1_000_000);
  for (let i = 0; i < n; i++) {
    if (i > 0) seq += random() < 0.05 ? 2 + randomInt(random, 5) : 1;
    sentUs += 100 + randomInt(random, 50);
    packets.push({ seq, sentUs, arrivalNs: 0 });
  }
  // Reordering keeps the first packet first (it seeds the highest number) and never repeats a number.
  for (let i = 1; i + 1 < n; i++) {
    if (random() < 0.03) [packets[i], packets[i + 1]] = [packets[i + 1], packets[i]];
  }
  // Arrival order is the order of the list: each arrival is after the previous one.
  let arrival = 5_000_000;
  for (const p of packets) {
    arrival = Math.max(arrival + 1, p.sentUs * 1000 + 2_000_000 + randomInt(random, 400_000));
    p.arrivalNs = arrival;
  }
  return packets;
}

/** RFC 3550 section 6.4.1 as written there: D(i-1, i) = (Rj - Ri) - (Sj - Si); J += (|D| - J) / 16. */
function referenceJitterNs(packets: readonly Packet[]): number[] {
  const out = [0];
  let j = 0;
  for (let i = 1; i < packets.length; i++) {
    const d = packets[i].arrivalNs - packets[i - 1].arrivalNs - (packets[i].sentUs * 1000 - packets[i - 1].sentUs * 1000);
    j = j + (Math.abs(d) - j) / 16;
    out.push(j);
  }
  return out;
}

/**
 * Property: the jitter column matches an RFC 3550 reference computed here from the same send and
 * arrival times, and the loss is the count of numbers missing between the first and the highest seen
 * (a late packet fills its gap), the out-of-order count the packets below the highest seen.
 */
describe('jitter property: RFC 3550 jitter and iperf3 loss against a reference', () => {
  it(`holds for ${CASES} seeded streams cut into random batches`, async () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const random = prng(seed);
      const packets = traffic(random);
      const batches: Batch[] = [];
      for (let start = 0; start < packets.length; ) {
        const part = packets.slice(start, start + randomInt(random, 300));
        batches.push(
          batchOf([{ name: 'seq', type: 'u32' }, { name: 't_sent_us', type: 'f64', time: 'device' }, { name: 'arrival', type: 'f64', time: 'host' }], {
            seq: Uint32Array.from(part.map((p) => p.seq)),
            t_sent_us: Float64Array.from(part.map((p) => p.sentUs)),
            arrival: Float64Array.from(part.map((p) => p.arrivalNs)),
          }),
        );
        start += part.length;
      }
      const { output } = await runOperator(jitter, { sent: 't_sent_us', sent_unit: 'us', arrival: 'arrival', seq: 'seq', jitter_unit: 'us' }, batches);
      const rows = flatten(output);
      const label = `seed ${seed}`;
      const reference = referenceJitterNs(packets).map((ns) => ns / 1000);
      expect(rows.jitter.length, label).toBe(packets.length);
      const worst = Math.max(...rows.jitter.map((j, i) => Math.abs((j as number) - reference[i]) / Math.max(1, reference[i])));
      expect(worst, label).toBeLessThanOrEqual(1e-9);
      expect(reference[reference.length - 1], label).toBeGreaterThan(0);

      const seen = new Set<number>();
      let highest = packets[0].seq;
      let late = 0;
      const lost: number[] = [];
      const outOfOrder: number[] = [];
      for (const p of packets) {
        if (p.seq < highest) late++;
        highest = Math.max(highest, p.seq);
        seen.add(p.seq);
        lost.push(highest - packets[0].seq + 1 - seen.size);
        outOfOrder.push(late);
      }
      expect(rows.lost, label).toEqual(lost);
      expect(rows.out_of_order, label).toEqual(outOfOrder);
    }
  });
});
