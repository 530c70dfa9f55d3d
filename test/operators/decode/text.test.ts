import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Batch, RecordsBatch, StringColumn } from '../../../src/core/batch.js';
import { runOperator } from '../../../src/core/standalone.js';
import { decodeOperator } from '../../../src/operators/decode/index.js';
import { splitCsv, parsePairs } from '../../../src/operators/decode/text.js';
import { frameOperator } from '../../../src/operators/frame/index.js';
import { splitAt } from '../../helpers/bytes.js';

async function linesOf(text: string, cuts: number[] = []) {
  return (await runOperator(frameOperator, { format: 'lines' }, splitAt(Buffer.from(text), cuts))).output;
}

function rows(output: Batch[]): RecordsBatch[] {
  return output.filter((b): b is RecordsBatch => b.kind === 'records');
}

describe('decode: text', () => {
  it('decodes csv with a header, picking and typing columns, and skips a repeated header', async () => {
    const frames = await linesOf('t,temp,label\r\n1,20.5,a\n2,21,"b,c"\nt,temp,label\n3,x,d\n', [9, 20]);
    const options: z.input<typeof decodeOperator.options> = { text: { format: 'csv', header: true, columns: [{ name: 't', type: 'i64' }, { name: 'temp' }, { name: 'label', type: 'string' }] }, dead_letter: 'bad' };
    const { output, context } = await runOperator(decodeOperator, options, frames);
    const batches = rows(output);
    expect(batches.flatMap((b) => Array.from(b.columns.t as BigInt64Array))).toEqual([1n, 2n]);
    expect(batches.flatMap((b) => Array.from(b.columns.temp as Float64Array))).toEqual([20.5, 21]);
    const labels = batches.flatMap((b) => {
      const c = b.columns.label as StringColumn;
      return Array.from(c.codes, (code) => c.dictionary[code]);
    });
    expect(labels).toEqual(['a', 'b,c']);
    expect(batches[0].schema.fields.at(-1)).toMatchObject({ name: 'host_time', type: 'f64', time: 'host' });
    expect(context.metrics.errors.get('decode')).toBe(1);
    expect(context.metrics.counters.get('header_lines')).toBe(1);
    expect(context.emitted.get('bad')!.length).toBe(1);
  });

  it('decodes csv without a header by position, and every header column as f64 when none are listed', async () => {
    const byPosition = await runOperator(decodeOperator, { text: { format: 'csv', delimiter: ';', columns: [{ name: 'a', type: 'u32' }, { name: 'b', type: 'f32' }] } }, await linesOf('1;2.5\n4;8\n'));
    const [r] = rows(byPosition.output);
    expect(r.columns.a).toEqual(Uint32Array.of(1, 4));
    expect(r.columns.b).toEqual(Float32Array.of(2.5, 8));

    const all = await runOperator(decodeOperator, { text: { format: 'csv', header: true } }, await linesOf('x,y\n1,2\n'));
    const [h] = rows(all.output);
    expect(h.columns.x).toEqual(Float64Array.of(1));
    expect(h.columns.y).toEqual(Float64Array.of(2));
  });

  it('decodes key=value lines and rejects lines missing a column or holding a non-number', async () => {
    const frames = await linesOf('t=1 v=3.3 state="ok"\nv: 4, t: 2; state=warn\nt=3\nt=abc v=1 state=x\n');
    const options: z.input<typeof decodeOperator.options> = { text: { format: 'key_value', columns: [{ name: 't', type: 'u32' }, { name: 'v' }, { name: 'state', type: 'string' }] } };
    const { output, context } = await runOperator(decodeOperator, options, frames);
    const [r] = rows(output);
    expect(r.columns.t).toEqual(Uint32Array.of(1, 2));
    expect(r.columns.v).toEqual(Float64Array.of(3.3, 4));
    expect((r.columns.state as StringColumn).dictionary).toEqual(['ok', 'warn']);
    expect(context.metrics.errors.get('decode')).toBe(2);
  });

  it('parses quoted csv fields and key/value pairs', () => {
    expect(splitCsv('a,"b,""c""",', ',')).toEqual(['a', 'b,"c"', '']);
    expect([...parsePairs('a=1,b:2; c = "x y"')]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', 'x y'],
    ]);
  });

  it('asks for columns where it cannot know them', () => {
    const result = decodeOperator.options.safeParse({ text: { format: 'key_value' } });
    expect(result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual(['text.columns: text format key_value needs columns']);
  });
});
