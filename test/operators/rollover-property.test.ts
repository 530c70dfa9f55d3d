import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/core/batch.js';
import { runOperator } from '../../src/core/standalone.js';
import { rollover } from '../../src/operators/rollover/index.js';
import { prng, randomInt } from '../helpers/bytes.js';
import { batchOf, flattenNumbers } from './records-helpers.js';

const CASES = 150;

/**
 * Property: a monotone counter, sampled as its value modulo the counter range, with steps no larger
 * than reset_threshold (0 repeats a value, as the rows of one frame do), unwraps to itself exactly,
 * whatever the width, the start, the steps and the batch boundaries; the gaps are the skipped values.
 */
describe('rollover property: unwrapping a wrapped monotone counter gives the counter back', () => {
  it(`holds for ${CASES} seeded cases of 8, 16, 32 bits and arbitrary moduli`, async () => {
    for (let seed = 1; seed <= CASES; seed++) {
      const random = prng(seed);
      const width = [8, 16, 32, 0][seed % 4] as 8 | 16 | 32 | 0;
      const modulus = width === 0 ? 2 + randomInt(random, 1_000_000) : 2 ** width;
      const threshold = Math.max(1, randomInt(random, Math.floor(modulus / 2)) + 1);
      const n = 1 + randomInt(random, 3000);
      // Mostly small steps, sometimes up to the threshold, so wraps and long gaps both happen.
      const counter: number[] = [randomInt(random, modulus)];
      for (let i = 1; i < n; i++) {
        const big = random() < 0.05;
        counter.push(counter[i - 1] + (big ? randomInt(random, threshold + 1) : randomInt(random, Math.min(threshold, 3) + 1)));
      }
      const raw = counter.map((v) => v % modulus);
      const type = width === 8 ? 'u8' : width === 16 ? 'u16' : 'f64';
      const column = width === 8 ? Uint8Array.from(raw) : width === 16 ? Uint16Array.from(raw) : Float64Array.from(raw);
      const input = batchOf([{ name: 'c', type }], { c: column });

      // Cut into random batches, some empty.
      const batches: Batch[] = [];
      for (let start = 0; start < n; ) {
        const size = randomInt(random, 200);
        batches.push(slice(input.columns.c as typeof column, start, Math.min(n, start + size), type));
        start += size;
      }
      const widthOption = width === 0 ? { modulus } : { bits: width };
      const { output, context } = await runOperator(rollover, { field: 'c', ...widthOption, reset_threshold: threshold, gaps_as: 'gaps' }, batches);
      const rows = flattenNumbers(output);
      const label = `seed ${seed}, modulus ${modulus}, threshold ${threshold}`;
      expect(rows.c, label).toEqual(counter);
      const expectedGaps = counter.map((v, i) => (i === 0 || v === counter[i - 1] ? 0 : v - counter[i - 1] - 1));
      expect(rows.gaps, label).toEqual(expectedGaps);
      expect(rows.c_epoch.every((e) => e === 0), label).toBe(true);
      expect(context.metrics.counters.get('resets'), label).toBeUndefined();
      const wraps = counter.reduce((k, v, i) => k + (i > 0 && Math.floor(v / modulus) > Math.floor(counter[i - 1] / modulus) ? 1 : 0), 0);
      expect(context.metrics.counters.get('wraps') ?? 0, label).toBe(wraps);
    }
  });
});

function slice(column: Uint8Array | Uint16Array | Float64Array, start: number, end: number, type: 'u8' | 'u16' | 'f64') {
  return batchOf([{ name: 'c', type }], { c: column.slice(start, end) });
}
