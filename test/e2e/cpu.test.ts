import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { COMPONENTS } from '../../src/components.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { collectSink, collected } from '../helpers/components.js';
import { flatten } from '../operators/records-helpers.js';

const MS = 1e6;

/**
 * pipelines/cpu.yml as shipped (its transforms untouched), the simulator's task device at full speed
 * for 2.2 s of trace with its u32 timer wrapping after 1.2 s; its sink swapped for a collecting one.
 */
describe('pipelines/cpu.yml', () => {
  it('reports the exact per-task utilizations of the simulated schedule, across a timer wrap', async () => {
    const config = parse(readFileSync(new URL('../../pipelines/cpu.yml', import.meta.url), 'utf8'));
    Object.assign(config.sources.rtos, { rate: 'max', frames: 220, start_ticks: 2 ** 32 - 1_200_000 });
    config.sinks = { out: { type: 'collect', inputs: ['cpu'], keep: true } };
    const result = await new Runner(loadPipelineText(stringify(config), new Registry([...COMPONENTS, collectSink])), { log: silentLogger }).run();
    expect(result.reason).toBe('completed');
    const rows = flatten(collected.get('out')!.batches);
    // Window 1: 0 to 502 ms (the first switch after 500 ms): five 100 ms hyperperiods plus 2 ms of sensor.
    expect(rows.task.slice(0, 4)).toEqual(['sensor', 'IDLE', 'radio', 'logger']);
    expect(rows.window_end.slice(0, 4).map((t) => (t as number) - (rows.window_start[0] as number))).toEqual(Array(4).fill(502 * MS));
    expect(rows.runtime_in_window.slice(0, 4)).toEqual([102, 325, 50, 25].map((v) => v * MS));
    expect(rows.cpu_utilization.slice(0, 4)).toEqual([102, 325, 50, 25].map((v) => (v * MS) / (502 * MS)));
    // Window 2: 502 ms to 1003 ms (radio switches in at 1003 ms).
    expect(rows.runtime_window.slice(4, 8)).toEqual(Array(4).fill(501 * MS));
    expect(rows.runtime_in_window.slice(4, 8)).toEqual([100, 326, 50, 25].map((v) => v * MS));
    // Every complete window accounts for all of its time, and 4 complete windows fit in 2.2 s.
    const complete = rows.complete.flatMap((c, i) => (c === 1 ? [i] : []));
    expect(complete.length).toBe(16);
    for (let w = 0; w < complete.length; w += 4) {
      const sum = [0, 1, 2, 3].reduce((acc, k) => acc + (rows.runtime_in_window[complete[w + k]] as number), 0);
      expect(sum).toBe(rows.runtime_window[complete[w]]);
    }
  });
});
