import { encodeFrame, FrameType } from '../../src/sources/simulator/protocol.js';

/**
 * `size` bytes of back-to-back reference-protocol sample frames (25 samples, 213 bytes each, the
 * last one cut at `size`), the same on every call, so reader and writer agree without sharing data.
 */
export function devicePayload(size: number): Buffer {
  const out = Buffer.alloc(size);
  const samples = Buffer.alloc(25 * 8);
  let offset = 0;
  for (let seq = 0; offset < size; seq++) {
    for (let i = 0; i < 25; i++) {
      samples.writeUInt32LE((seq * 25 + i) * 2654435761 >>> 0, i * 8);
      samples.writeUInt32LE((seq * 7 + i) >>> 0, i * 8 + 4);
    }
    const frame = encodeFrame(FrameType.samples, seq & 0xffff, (seq * 250) >>> 0, samples);
    offset += frame.copy(out, offset);
  }
  return out;
}
