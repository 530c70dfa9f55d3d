import { describe, expect, it } from 'vitest';
import { toInt64Time } from '../../src/core/int64-time.js';

/** Reference with BigInt arithmetic (floor division). */
function reference(ns: number, offset: bigint, unit: bigint): bigint {
  const total = offset + BigInt(Math.round(ns));
  const q = total / unit;
  return total < 0n && q * unit !== total ? q - 1n : q;
}

describe('toInt64Time', () => {
  const offsets = [0n, 1_763_700_000_123_456_789n, 0xffffffffn, (1n << 32n) - 1n + (5n << 32n), -1n];
  const values = [0, 1, 4294967295, 4294967296, 4294967297, 2 ** 53 - 1, -1, -4294967296, 123456789.4, 123456789.6, 9e15];
  it.each([['ns', 1n], ['us', 1000n], ['ms', 1_000_000n]] as const)('is exact in %s, including carries and negatives', (unit, divisor) => {
    for (const offset of offsets) {
      const out = toInt64Time(Float64Array.from(values), offset, unit);
      values.forEach((v, i) => expect(out[i], `${offset} + ${v}`).toBe(reference(v, offset, divisor)));
    }
  });
});
