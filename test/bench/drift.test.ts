import { describe, expect, it } from 'vitest';
import { drift } from '../../bench/soak/drift.js';

describe('soak drift', () => {
  it('compares the medians of the first and last quarters', () => {
    // First quarter 100, 102 -> 101; last quarter 110, 112 -> 111.
    expect(drift([100, 102, 105, 104, 107, 108, 110, 112])).toEqual({ first: 101, last: 111, percent: ((111 - 101) / 101) * 100 });
  });

  it('is not moved by a single spike inside a quarter', () => {
    expect(drift([100, 100, 100, 500, 100, 100, 100, 100, 100, 100, 100, 100]).percent).toBe(0);
  });

  it('falls back to the first and last sample for short series and is NaN for none', () => {
    expect(drift([100, 150]).percent).toBe(50);
    expect(Number.isNaN(drift([]).percent)).toBe(true);
  });
});
