import { describe, expect, it } from 'vitest';
import { framesBatch, recordsBatch, type FramesBatch, type RecordsBatch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { routeOperator } from '../../src/operators/route.js';
import { encodeFrame } from '../../src/sources/simulator/protocol.js';
import { framesHex } from '../helpers/bytes.js';

describe('route', () => {
  it('sends frames by type byte to named outputs and keeps the rest on the main output', async () => {
    const frames = [encodeFrame(1, 0, 0, Buffer.from([1])), encodeFrame(2, 1, 0, Buffer.from([2])), encodeFrame(3, 2, 0, Buffer.from([3])), encodeFrame(1, 3, 0, Buffer.from([4]))];
    const buffer = Buffer.concat([...frames, Buffer.from([0x7b])]);
    const offsets = Uint32Array.of(0, 14, 28, 42, 56);
    const lengths = Uint32Array.of(14, 14, 14, 14, 1);
    const batch = framesBatch('d', buffer, offsets, lengths, Float64Array.of(0, 1, 2, 3, 4));
    const { output, context } = await runOperator(routeOperator, { offset: 1, routes: { samples: 0x01, tasks: [0x02] } }, [batch]);
    expect(framesHex(output)).toEqual([frames[2].toString('hex'), '7b']);
    const samples = context.emitted.get('samples')! as FramesBatch[];
    expect(framesHex(samples)).toEqual([frames[0].toString('hex'), frames[3].toString('hex')]);
    expect(Array.from(samples[0].hostTimeNs)).toEqual([0, 3]);
    expect(samples[0].buffer).toBe(buffer);
    expect(framesHex(context.emitted.get('tasks')!)).toEqual([frames[1].toString('hex')]);
    expect(context.metrics.errors.get('short')).toBe(1);
  });

  it('sends records by column value, gathering every column type', async () => {
    const batch = recordsBatch(
      'd',
      [
        { name: 'kind', type: 'string' },
        { name: 'v', type: 'f64' },
        { name: 'raw', type: 'binary' },
      ],
      {
        kind: { codes: Int32Array.of(0, 1, 0), dictionary: ['a', 'b'] },
        v: Float64Array.of(1, 2, 3),
        raw: { data: Uint8Array.of(9, 8, 8, 7), offsets: Int32Array.of(0, 1, 3, 4) },
      },
      3,
    );
    const { output, context } = await runOperator(routeOperator, { field: 'kind', routes: { as: 'a' } }, [batch]);
    const [rest] = output as RecordsBatch[];
    expect(rest.columns.v).toEqual(Float64Array.of(2));
    const [as] = context.emitted.get('as') as RecordsBatch[];
    expect(as.columns.v).toEqual(Float64Array.of(1, 3));
    expect(as.columns.raw).toEqual({ data: Uint8Array.of(9, 7), offsets: Int32Array.of(0, 1, 2) });
    expect(routeOperator.outputs!(routeOperator.options.parse({ field: 'kind', routes: { as: 'a' } }))).toEqual({ as: 'records' });
  });

  it('needs offset or field', () => {
    expect(routeOperator.options.safeParse({ routes: { a: 1 } }).error!.issues[0].path).toEqual(['offset']);
  });
});
