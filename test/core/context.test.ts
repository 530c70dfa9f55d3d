import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMPONENTS } from '../../src/components.js';
import { type Batch, recordsBatch } from '../../src/core/batch.js';
import { defineOperator } from '../../src/core/component.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { runOperator, standaloneContext } from '../../src/core/standalone.js';
import { collectSink } from '../helpers/components.js';

/** Sends each batch to the output named in its options, declared or not. */
const sendTo = defineOperator({
  type: 'send_to',
  summary: 'Sends every batch to a side output (context tests).',
  options: z.strictObject({
    declared: z.string().meta({ description: 'The side output it declares.', examples: ['kept'] }),
    target: z.string().meta({ description: 'The side output it sends to.', examples: ['kept'] }),
  }),
  input: 'records',
  output: 'records',
  outputs: (o) => ({ [o.declared]: 'records' }),
  create: (o, context) =>
    map((batch: Batch) => {
      context.emit(o.target, batch);
      return batch;
    }),
});

const one = () => recordsBatch('dev', [{ name: 'x', type: 'f64' }], { x: new Float64Array([1]) }, 1);

describe('component context', () => {
  it('collects and counts batches sent to a declared output when run standalone', async () => {
    const batch = one();
    const { output, context } = await runOperator(sendTo, { declared: 'kept', target: 'kept' }, [batch]);
    expect(output).toEqual([batch]);
    expect(context.emitted.get('kept')).toEqual([batch]);
    expect(context.metrics.counters.get('emitted_kept')).toBe(1);
  });

  it('refuses an undeclared output standalone with the message the runner gives', async () => {
    const standalone = await runOperator(sendTo, { declared: 'kept', target: 'typo' }, [one()]).catch((error: Error) => error);
    expect(standalone).toBeInstanceOf(Error);
    expect((standalone as Error).message).toBe('component "send_to" emitted to undeclared output "typo" (declared: kept)');

    const registry = new Registry([...COMPONENTS, sendTo, collectSink]);
    const plan = loadPipelineText(
      `
sources: { node: { type: simulator, rate: max, emit: records, frames: 10, batch_frames: 10 } }
transforms: { t: { inputs: [node], steps: [ { type: send_to, declared: kept, target: typo } ] } }
sinks: { out: { type: collect, inputs: [t] }, side: { type: collect, inputs: [t.kept] } }
`,
      registry,
    );
    const result = await new Runner(plan, { log: silentLogger }).run();
    expect(result.reason).toBe('failed');
    expect(result.error?.message).toBe('component "t/send_to" failed: component "t/send_to" emitted to undeclared output "typo" (declared: kept)');
  });

  it('gives a source or a sink no outputs at all', () => {
    const context = standaloneContext('node', { kind: 'source', type: 'simulator' });
    expect(() => context.emit('extra', one())).toThrow('component "node" emitted to undeclared output "extra" (declared: none)');
  });
});
