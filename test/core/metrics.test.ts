import { lastValueFrom, map, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMPONENTS } from '../../src/components.js';
import { recordsBatch, type Batch } from '../../src/core/batch.js';
import { defineOperator, defineSink } from '../../src/core/component.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import type { ComponentMetrics } from '../../src/core/metrics.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { buildOperator, runOperator, standaloneContext } from '../../src/core/standalone.js';
import { collectSink } from '../helpers/components.js';

/** Counts through a helper that takes any metrics, as shared code does, so the name is not type-checked. */
const countVia = (metrics: ComponentMetrics, reason: string) => metrics.error(reason);

const checked = defineOperator({
  type: 'checked',
  summary: 'Counts the reason its option names (tests).',
  metrics: { errors: { too_big: 'rows', 'refused_*': 'rows' } },
  options: z.strictObject({ reason: z.string().meta({ description: 'Reason to count.', examples: ['too_big'] }) }),
  input: 'records',
  output: 'records',
  create: (o, context) => {
    context.metrics.error('too_big');
    context.metrics.error('refused_origin');
    // @ts-expect-error: not a declared reason
    if (o.reason === 'never') context.metrics.error('too_small');
    // @ts-expect-error: the component declares no counters
    if (o.reason === 'never') context.metrics.count('rows');
    return map((batch: Batch) => {
      countVia(context.metrics, o.reason);
      return batch;
    });
  },
});

const rows = recordsBatch('node', [{ name: 'v', type: 'f64' }], { v: Float64Array.of(1) }, 1);

describe('error reasons as a declared set', () => {
  it('counts declared reasons and families in a standalone context', async () => {
    const { context } = await runOperator(checked, { reason: 'refused_host' }, [rows]);
    expect(Object.fromEntries(context.metrics.errors)).toEqual({ too_big: 1, refused_origin: 1, refused_host: 1 });
  });

  it('throws for an undeclared reason in a standalone context, naming the component and the reason', async () => {
    const { operator } = buildOperator(checked, { reason: 'too_small' }, standaloneContext('t/checked'));
    await expect(lastValueFrom(of(rows).pipe(operator, toArray()))).rejects.toThrow('component "t/checked" counted errors.too_small, which its definition\'s metrics do not declare');
  });

  it('lets the engine\'s own names through (a sink\'s write_failed is declared by the engine)', async () => {
    const quiet = defineSink({ type: 'quiet', summary: 's', options: z.strictObject({}), input: ['records'], defaultWhenFull: 'block', create: (_o, context) => {
      countVia(context.metrics, 'write_failed');
      return { write() {}, async close() {} };
    } });
    const context = standaloneContext('quiet', { kind: 'sink' });
    await quiet.create({}, context);
    expect(context.metrics.errors.get('write_failed')).toBe(1);
  });

  it('never stops a pipeline: the runner counts an undeclared reason and goes on', async () => {
    const registry = new Registry([...COMPONENTS, checked, collectSink]);
    const plan = loadPipelineText(`
sources: { node: { type: simulator, emit: records, frames: 3 } }
transforms: { t: { inputs: [node], steps: [ { type: checked, reason: too_small } ] } }
sinks: { out: { type: collect, inputs: [t] } }
`, registry);
    const runner = new Runner(plan, { log: silentLogger });
    const result = await runner.run();
    expect(result.reason).toBe('completed');
    const step = runner.metrics.get('t/checked')!;
    expect(step.batchesIn).toBeGreaterThan(0);
    expect(step.errors.get('too_small')).toBe(step.batchesIn);
  });
});
