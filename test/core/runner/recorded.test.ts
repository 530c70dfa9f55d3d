import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMPONENTS } from '../../../src/components.js';
import type { Batch } from '../../../src/core/batch.js';
import { defineSink, defineSource } from '../../../src/core/component.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { silentLogger } from '../../../src/core/log.js';
import { Registry } from '../../../src/core/registry.js';
import { Runner } from '../../../src/core/runner/runner.js';
import { collectSink, passOperator } from '../../helpers/components.js';

/** What each `resuming` source was told: value -> rows held. */
const answers = new Map<string, Record<number, number>>();

/** Asks what the sinks downstream hold of key values 1..10 (as a broker source does after a crash), then completes. */
const resumingSource = defineSource({
  type: 'resuming',
  summary: 'Asks which key values are recorded (engine tests).',
  options: z.strictObject({}),
  output: 'records',
  create: (_, context) =>
    new Observable<Batch>((subscriber) => {
      void context.recorded!({ column: 'k', from: 1, to: 10 }).then((held) => {
        answers.set(context.id, Object.fromEntries(held));
        subscriber.complete();
      });
    }),
});

/** A durable sink that holds `held` (value, rows) pairs; without `held` it is durable but cannot tell. */
const holdingSink = defineSink({
  type: 'holding',
  summary: 'A durable sink with a fixed answer (engine tests).',
  options: z.strictObject({ held: z.array(z.tuple([z.number(), z.number()])).optional().meta({ description: 'Values held.', examples: [[[1, 10]]] }) }),
  input: ['records'],
  defaultWhenFull: 'block',
  create: (o) => ({
    write: () => undefined,
    sync: async () => undefined,
    ...(o.held ? { recorded: async () => new Map(o.held) } : {}),
    close: async () => undefined,
  }),
});

const registry = new Registry([...COMPONENTS, passOperator, collectSink, resumingSource, holdingSink]);

async function ask(sinks: string): Promise<Record<number, number>> {
  const runner = new Runner(loadPipelineText(`
sources: { s: { type: resuming } }
transforms: { t: { inputs: [s], steps: [ { type: pass } ] } }
sinks:
${sinks}
`, registry), { log: silentLogger });
  expect((await runner.run()).reason).toBe('completed');
  return answers.get('s')!;
}

describe('runner: what durable sinks downstream hold from earlier runs', () => {
  it('gives the values every durable sink holds, with the fewest rows, and ignores sinks that keep nothing', async () => {
    const held = await ask(`
  a: { type: holding, inputs: [s], held: [[1, 10], [2, 10], [3, 10]] }
  b: { type: holding, inputs: [t], held: [[1, 10], [2, 4], [5, 10]] }
  view: { type: collect, inputs: [t] }
`);
    expect(held).toEqual({ 1: 10, 2: 4 });
  });

  it('gives nothing when one durable sink downstream cannot tell what it holds', async () => {
    const held = await ask(`
  a: { type: holding, inputs: [s], held: [[1, 10]] }
  blind: { type: holding, inputs: [t] }
`);
    expect(held).toEqual({});
  });
});
