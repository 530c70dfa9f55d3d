import type { OperatorFunction } from 'rxjs';
import type { Batch, BytesBatch } from '../../core/batch.js';
import { batchOperator } from '../batch-operator.js';
import type { DecodeOutput } from './decoder.js';

/**
 * The RxJS side of `trace_recorder`, kept apart from the decoding so the operator shape can change
 * without touching it: `decode` gets each input chunk, `finish` runs when the input completes, and
 * `deliver` turns what they return into batches on the main output (side outputs are its business).
 */
export function traceRecorderStage(
  decode: (data: Buffer) => DecodeOutput,
  finish: () => DecodeOutput,
  deliver: (output: DecodeOutput) => readonly Batch[],
): OperatorFunction<Batch, Batch> {
  return batchOperator<BytesBatch>('trace_recorder', 'bytes', {
    next(batch, emit) {
      for (const out of deliver(decode(batch.data))) emit(out);
    },
    complete(emit) {
      for (const out of deliver(finish())) emit(out);
    },
  });
}
