import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMPONENTS } from '../../../src/components.js';
import { type Batch, recordsBatch } from '../../../src/core/batch.js';
import { defineSource } from '../../../src/core/component.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { silentLogger } from '../../../src/core/log.js';
import { Registry } from '../../../src/core/registry.js';
import { Runner } from '../../../src/core/runner/runner.js';
import { collected, collectSink, passOperator } from '../../helpers/components.js';

/** What each `acking` source saw when its durability request settled: the items each sink had by then. */
const seen = new Map<string, { resolved: boolean; error?: string; items: Record<string, number> }>();

/** Emits `batches` batches of 10 rows at once, then asks for durability (as a broker source does before acking) and completes. */
const ackingSource = defineSource({
  type: 'acking',
  summary: 'Emits batches, then waits for durability (engine tests).',
  options: z.strictObject({ batches: z.number().int().meta({ description: 'Batches to emit.', examples: [5] }) }),
  output: 'records',
  create: (o, context) =>
    new Observable<Batch>((subscriber) => {
      for (let i = 0; i < o.batches; i++) subscriber.next(recordsBatch(context.id, [{ name: 'x', type: 'f64' }], { x: new Float64Array(10) }, 10));
      const snapshot = () => Object.fromEntries([...collected].map(([id, c]) => [id, c.items]));
      context.durable!().then(
        () => seen.set(context.id, { resolved: true, items: snapshot() }),
        (error: Error) => seen.set(context.id, { resolved: false, error: error.message, items: snapshot() }),
      ).finally(() => subscriber.complete());
    }),
});

const registry = new Registry([...COMPONENTS, passOperator, collectSink, ackingSource]);

describe('runner durability', () => {
  it('resolves a source\'s request once every sink downstream, through transforms, has written what it emitted', async () => {
    const runner = new Runner(loadPipelineText(`
sources: { a: { type: acking, batches: 8 }, b: { type: acking, batches: 2 } }
transforms: { t: { inputs: [a], steps: [ { type: pass } ] } }
sinks:
  direct: { type: collect, inputs: [a], delay_ms: 5 }
  through: { type: collect, inputs: [t], delay_ms: 10 }
  other: { type: collect, inputs: [b] }
`, registry), { log: silentLogger });
    const result = await runner.run();
    expect(result.reason).toBe('completed');
    expect(seen.get('a')).toMatchObject({ resolved: true, items: { direct: 80, through: 80 } });
    expect(seen.get('b')).toMatchObject({ resolved: true, items: { other: 20 } });
  });

  it('refuses the request when a blocking sink downstream fails', async () => {
    const runner = new Runner(loadPipelineText(`
sources: { a: { type: acking, batches: 4 } }
sinks: { broken: { type: collect, inputs: [a], fail_at: 3 } }
`, registry), { log: silentLogger });
    const result = await runner.run();
    expect(result.reason).toBe('failed');
    expect(seen.get('a')).toMatchObject({ resolved: false, error: expect.stringContaining('disk full') });
  });
});
