import { bytesBatch, frameView, type Batch, type BytesBatch, type FramesBatch } from '../../src/core/batch.js';

/** A small seeded generator (mulberry32) so every fuzz failure reproduces from its seed. */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: () => number, below: number): number {
  return Math.floor(random() * below);
}

export function randomBytes(random: () => number, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = randomInt(random, 256);
  return out;
}

/** Cuts `data` into reads at the given positions, each read with its own host time (its index). */
export function splitAt(data: Buffer, cuts: number[], source = 'dev'): BytesBatch[] {
  const batches: BytesBatch[] = [];
  let from = 0;
  for (const cut of [...cuts, data.length]) {
    if (cut > from) batches.push(bytesBatch(source, Buffer.from(data.subarray(from, cut)), batches.length));
    from = Math.max(from, cut);
  }
  return batches;
}

/** Cuts `data` into reads of random sizes in [1, maxChunk]. */
export function randomChunks(data: Buffer, random: () => number, maxChunk: number): BytesBatch[] {
  const cuts: number[] = [];
  for (let at = 0; at < data.length; ) {
    at += 1 + randomInt(random, maxChunk);
    cuts.push(Math.min(at, data.length));
  }
  return splitAt(data, cuts);
}

/** Every frame of every frames batch, copied out as hex strings (easy to compare and to read in a failure). */
export function framesHex(batches: readonly Batch[]): string[] {
  const out: string[] = [];
  for (const batch of batches) {
    if (batch.kind !== 'frames') continue;
    for (let i = 0; i < batch.count; i++) out.push(frameView(batch, i).toString('hex'));
  }
  return out;
}

export function framesOf(batches: readonly Batch[]): FramesBatch[] {
  return batches.filter((b): b is FramesBatch => b.kind === 'frames');
}
