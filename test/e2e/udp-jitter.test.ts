import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { COMPONENTS, defaultRegistry } from '../../src/components.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { MetricsRegistry } from '../../src/core/metrics.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { collectSink, collected } from '../helpers/components.js';
import { sendIperfDatagrams } from '../helpers/iperf-sender.js';
import { waitFor } from '../helpers/wait.js';
import { flatten } from '../operators/records-helpers.js';

/** RFC 3550 jitter (ns) and iperf3 loss / out-of-order, written out plainly as the reference. */
function reference(sentNs: number[], arrivalNs: number[], seq: number[]) {
  const jitter: number[] = [];
  const lost: number[] = [];
  const late: number[] = [];
  let j = 0;
  let prevTransit = arrivalNs[0] - sentNs[0];
  let highest = seq[0];
  let nLost = 0;
  let nLate = 0;
  for (let i = 0; i < seq.length; i++) {
    const transit = arrivalNs[i] - sentNs[i];
    if (i > 0) {
      j = j + (Math.abs(transit - prevTransit) - j) / 16;
      if (seq[i] > highest) {
        nLost += seq[i] - highest - 1;
        highest = seq[i];
      } else {
        nLate += 1;
        if (nLost > 0) nLost -= 1;
      }
    }
    prevTransit = transit;
    jitter.push(j);
    lost.push(nLost);
    late.push(nLate);
  }
  return { jitter, lost, late };
}

const hasDecode = defaultRegistry().get('operator', 'decode') !== undefined;

// pipelines/udp-jitter.yml as shipped, its transforms untouched, on a free port with a collecting sink.
describe.skipIf(!hasDecode)('pipelines/udp-jitter.yml', () => {
  it('reports the jitter, loss and out-of-order counts of the reference computation for a real UDP stream', async () => {
    const config = parse(readFileSync(new URL('../../pipelines/udp-jitter.yml', import.meta.url), 'utf8'));
    config.sources.net.port = 0;
    config.transforms.packets.steps.find((s: { type: string }) => s.type === 'jitter').jitter_unit = 'ns';
    config.sinks = { out: { type: 'collect', inputs: ['packets'], keep: true } };
    const metrics = new MetricsRegistry();
    const runner = new Runner(loadPipelineText(stringify(config), new Registry([...COMPONENTS, collectSink])), { log: silentLogger, metrics });
    const done = runner.run();
    try {
      await waitFor(() => metrics.get('net')?.gauges.get('port') !== undefined, 'udp source bound');
      const port = metrics.get('net')!.gauges.get('port')!;
      // 5 and 9 arrive late, 14 never: iperf3 ends at lost 1, out of order 2.
      const order = [1, 2, 3, 4, 6, 7, 8, 5, 10, 9, 11, 12, 13, 15, 16];
      await sendIperfDatagrams(port, order);
      await waitFor(() => (collected.get('out')?.items ?? 0) >= order.length, 'all datagrams through the pipeline');
    } finally {
      runner.stop();
      await done;
    }
    const rows = flatten(collected.get('out')!.batches);
    expect(rows.seq).toEqual([1, 2, 3, 4, 6, 7, 8, 5, 10, 9, 11, 12, 13, 15, 16]);
    const sentNs = (rows.sec as number[]).map((s, i) => (s * 1e6 + (rows.usec[i] as number)) * 1000);
    const expected = reference(sentNs, rows.host_time as number[], rows.seq as number[]);
    expect(rows.lost).toEqual(expected.lost);
    expect(rows.out_of_order).toEqual(expected.late);
    expect(rows.lost.at(-1)).toBe(1);
    expect(rows.out_of_order.at(-1)).toBe(2);
    (rows.jitter as number[]).forEach((j, i) => expect(j).toBeCloseTo(expected.jitter[i], 3));
    expect(expected.jitter.at(-1)).toBeGreaterThan(0);
  });
});
