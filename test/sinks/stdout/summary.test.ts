import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/core/metrics.js';
import { SummaryLine } from '../../../src/sinks/stdout/summary.js';

/** The components of harvest.yml, with one second of its counts. */
function harvestRegistry() {
  const registry = new MetricsRegistry();
  const node = registry.register('node', 'source', 'simulator');
  const transforms = ['samples/derive', 'preview/downsample', 'status/window'].map((id) => registry.register(id, 'operator', id.split('/')[1]));
  const sinks = ['recording', 'console', 'live', 'status_line'].map((id) => registry.register(id, 'sink', 'x'));
  const second = () => {
    node.countOut(100_000, 1_020_000);
    for (const t of transforms) t.countOut(1000, 0);
    for (const s of sinks) s.countIn(1000, 0);
  };
  return { registry, sinks, second };
}

describe('status line', () => {
  it('fits 100 columns for harvest.yml by counting the sinks that keep up', () => {
    const { registry, second } = harvestRegistry();
    const line = new SummaryLine(registry);
    line.next(0);
    second();
    const text = line.next(1000);
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text).toMatch(/^\d\d:\d\d:\d\d \| node 1\.02 MB\/s \| samples 1\.0k\/s \| preview 1\.0k\/s \| status 1\.0k\/s \| errors 0 \| 4 sinks q=0$/);
  });

  it('still lists a sink that falls behind, with its queue and drops', () => {
    const { registry, sinks, second } = harvestRegistry();
    const line = new SummaryLine(registry);
    line.next(0);
    second();
    sinks[2].queueDepth = 7;
    sinks[2].drop(3);
    const text = line.next(1000);
    expect(text).toMatch(/ \| errors 0 \| live 1\.0k\/s q=7 drops=3 \| other 3 sinks q=0$/);
  });

  it('lists every sink when the full line fits', () => {
    const registry = new MetricsRegistry();
    registry.register('node', 'source', 'simulator');
    registry.register('console', 'sink', 'stdout');
    const text = new SummaryLine(registry).next();
    expect(text).toMatch(/ \| node 0 B\/s \| errors 0 \| console 0\/s q=0$/);
  });
});
