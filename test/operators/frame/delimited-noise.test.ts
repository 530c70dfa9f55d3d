import { describe, expect, it } from 'vitest';
import type { Batch } from '../../../src/core/batch.js';
import { runOperator } from '../../../src/core/standalone.js';
import { frameOperator } from '../../../src/operators/frame/index.js';
import { encodeFrame } from '../../../src/sources/simulator/protocol.js';
import { framesHex, prng, randomBytes, randomInt, splitAt } from '../../helpers/bytes.js';
import { recoveredInOrder } from '../../helpers/framing.js';

/** The reference layout, framed without a CRC: only the start byte, the length field and the end byte say where a frame is. */
const NO_CRC = { format: 'delimited', start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le', adjust: 13 } } as const;
/** A header that claims the longest frame the reference layout can carry (65535 payload bytes). */
const FAKE_HEADER = Buffer.from('7B01000000000000FFFF', 'hex');

function referenceFrames(random: () => number, n: number): Buffer[] {
  return Array.from({ length: n }, (_, seq) => encodeFrame(1 + randomInt(random, 3), seq, seq * 250, randomBytes(random, 1 + randomInt(random, 240))));
}

function reads(stream: Buffer, random: () => number): Batch[] {
  const cuts: number[] = [];
  for (let at = 0; at < stream.length; ) cuts.push((at += 1 + randomInt(random, 8192)));
  return splitAt(stream, cuts);
}

describe('frame: delimited without a CRC keeps every intact frame', () => {
  it.each([1, 2, 3, 4])('3,000 frames with 1-40 bytes of line noise before 30 percent of them (seed %i)', async (seed) => {
    const random = prng(seed);
    const frames = referenceFrames(random, 3000);
    const parts: Buffer[] = [];
    for (const frame of frames) {
      if (random() < 0.3) parts.push(randomBytes(random, 1 + randomInt(random, 40)));
      parts.push(frame);
    }
    const stream = Buffer.concat(parts);
    const { output, context } = await runOperator(frameOperator, NO_CRC, reads(stream, random));
    expect(recoveredInOrder(frames.map((f) => f.toString('hex')), framesHex(output))).toBe(3000);
    const m = context.metrics;
    expect((m.counters.get('framed_bytes') ?? 0) + (m.errors.get('resync_bytes') ?? 0)).toBe(stream.length);
  });

  it.each([1, 2, 3, 4])('3,000 frames with a fake 65535-length header before every 10th, max_length 65548 (seed %i)', async (seed) => {
    const random = prng(seed);
    const frames = referenceFrames(random, 3000);
    const parts: Buffer[] = [];
    frames.forEach((frame, i) => {
      if (i % 10 === 0) parts.push(FAKE_HEADER);
      parts.push(frame);
    });
    const stream = Buffer.concat(parts);
    const { output, context } = await runOperator(frameOperator, { ...NO_CRC, max_length: 65548 }, reads(stream, random));
    const delivered = framesHex(output);
    expect(recoveredInOrder(frames.map((f) => f.toString('hex')), delivered)).toBe(3000);
    const m = context.metrics;
    expect((m.counters.get('framed_bytes') ?? 0) + (m.errors.get('resync_bytes') ?? 0)).toBe(stream.length);
  });
});
