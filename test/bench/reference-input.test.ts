import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, ensureReferenceInput, type ReferenceParams } from '../../bench/reference-input.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'reference-input-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const small: ReferenceParams = { ...DEFAULT_PARAMS, frames: 3000 };

describe('reference input', () => {
  it('defaults to at least 200 MB with a few per mille of faults', () => {
    expect(DEFAULT_PARAMS.frames * 213).toBeGreaterThanOrEqual(200e6);
    const { bit_flip, drop, garbage } = DEFAULT_PARAMS.faults;
    for (const rate of [bit_flip, drop, garbage]) expect(rate).toBeGreaterThanOrEqual(0.001);
    expect(bit_flip + drop + garbage).toBeLessThan(0.01);
  });

  it('writes the simulator stream with its parameters and fault counts next to it', () => {
    const input = ensureReferenceInput(small, dir);
    expect(input.reused).toBe(false);
    expect(statSync(input.path).size).toBe(input.bytes);
    const meta = JSON.parse(readFileSync(`${input.path}.json`, 'utf8'));
    expect(meta.params).toEqual(small);
    // Every frame is either sent or dropped; a sent frame with a flipped bit is not good.
    expect(input.counters.frames_sent + input.counters.injected_drops).toBe(small.frames);
    expect(input.expectedGoodFrames).toBe(input.counters.frames_sent - input.counters.injected_bit_flips);
    expect(input.counters.injected_bit_flips).toBeGreaterThan(0);
    expect(input.counters.injected_garbage_bytes).toBeGreaterThan(0);
  });

  it('reuses a complete file with the same parameters and regenerates an incomplete one', () => {
    const first = ensureReferenceInput(small, dir);
    const again = ensureReferenceInput(small, dir);
    expect(again.reused).toBe(true);
    expect(again.path).toBe(first.path);
    truncateSync(first.path, 1000);
    const redone = ensureReferenceInput(small, dir);
    expect(redone.reused).toBe(false);
    expect(statSync(redone.path).size).toBe(first.bytes);
  });

  it('keeps files of other parameters apart', () => {
    const a = ensureReferenceInput(small, dir);
    const b = ensureReferenceInput({ ...small, seed: small.seed + 1 }, dir);
    expect(b.path).not.toBe(a.path);
    expect(readFileSync(a.path).equals(readFileSync(b.path))).toBe(false);
  });

  it('is byte for byte what `pipeline simulate` writes for the same seed and faults', async () => {
    const input = ensureReferenceInput(small, dir);
    const out = path.join(dir, 'simulate.bin');
    const f = small.faults;
    const result = await runCli(
      ['simulate', '--rate', 'max', '--frames', String(small.frames), '--seed', String(small.seed), '--set', `faults.bit_flip=${f.bit_flip}`, '--set', `faults.drop=${f.drop}`, '--set', `faults.garbage=${f.garbage}`, '--out', out],
      { timeoutMs: 30_000 },
    );
    expect(result.code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(input.path))).toBe(true);
  });
});
