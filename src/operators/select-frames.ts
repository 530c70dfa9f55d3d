import { framesBatch, type FramesBatch } from '../core/batch.js';

/** A frames batch holding the frames `indices[0, n)` of `batch` (views into the same buffer). */
export function selectFrames(batch: FramesBatch, indices: Uint32Array, n: number): FramesBatch {
  const offsets = new Uint32Array(n);
  const lengths = new Uint32Array(n);
  const times = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const i = indices[j];
    offsets[j] = batch.offsets[i];
    lengths[j] = batch.lengths[i];
    times[j] = batch.hostTimeNs[i];
  }
  return framesBatch(batch.source, batch.buffer, offsets, lengths, times);
}
