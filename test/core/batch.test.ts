import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type Batch, byteSize, bytesBatch, framesBatch, recordsBatch } from '../../src/core/batch.js';
import { defineOperator } from '../../src/core/component.js';
import { runOperator } from '../../src/core/standalone.js';

describe('batches', () => {
  it('measures payload bytes: frame lengths, column bytes', () => {
    const frames = framesBatch('dev', Buffer.alloc(20), Uint32Array.of(0, 8), Uint32Array.of(5, 7), Float64Array.of(1, 2));
    expect(byteSize(frames)).toBe(12);
    const records = recordsBatch(
      'dev',
      [
        { name: 'v', type: 'f64' },
        { name: 'kind', type: 'string' },
        { name: 'raw', type: 'binary' },
      ],
      { v: new Float64Array(3), kind: { codes: new Int32Array(3), dictionary: ['a'] }, raw: { data: new Uint8Array(10), offsets: Int32Array.of(0, 4, 8, 10) } },
      3,
    );
    expect(byteSize(records)).toBe(24 + 12 + 10 + 16);
    expect(byteSize(bytesBatch('dev', Buffer.alloc(9), 0))).toBe(9);
  });

  it('measures a batch once: a later answer is the first one', () => {
    const lengths = Uint32Array.of(5, 7);
    const frames = framesBatch('dev', Buffer.alloc(20), Uint32Array.of(0, 8), lengths, Float64Array.of(1, 2));
    expect(byteSize(frames)).toBe(12);
    // Breaking the no-write rule shows the cache: the size is not measured again.
    lengths[0] = 100;
    expect(byteSize(frames)).toBe(12);
  });

  it('freezes the batch object, its schema and its column map', () => {
    const records = recordsBatch('dev', [{ name: 'v', type: 'f64' }], { v: new Float64Array(1) }, 1);
    expect(Object.isFrozen(records)).toBe(true);
    expect(Object.isFrozen(records.schema.fields)).toBe(true);
    expect(Object.isFrozen(records.columns)).toBe(true);
  });

  it('fails an operator test when the operator writes into a batch it was given', async () => {
    const scribbler = defineOperator({
      type: 'scribbler',
      summary: 'Writes into its input (a broken operator).',
      options: z.strictObject({}),
      input: 'bytes',
      output: 'bytes',
      create: () =>
        map((batch: Batch) => {
          if (batch.kind === 'bytes') batch.data[0] ^= 0xff;
          return batch;
        }),
    });
    await expect(runOperator(scribbler, {}, [bytesBatch('dev', Buffer.from('abc'), 0)])).rejects.toThrow('scribbler wrote into input batch 0 (its part 0); batches must not change once emitted');
  });
});
