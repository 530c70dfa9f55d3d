/**
 * Whole numbers between float64 and int64 columns without a BigInt per row (each costs an
 * allocation): the 64-bit value is split into two exact 32-bit halves in plain doubles and moved
 * through a 32-bit view of the int64 array (little-endian, as every supported host is). Exact for
 * magnitudes below 2^53, which is what a float64 holds exactly.
 */

const TWO_32 = 4294967296;
/** 2^-32 is exact, so multiplying by it and flooring equals dividing by 2^32. */
const INV_TWO_32 = 1 / TWO_32;

/** Largest magnitude a float64 holds exactly as an integer; int64 results are clamped to it. */
const LIMIT = 2 ** 53;

/**
 * float64 -> int64, rounding to nearest. Values that are not numbers (NaN) become `invalid`, so a
 * column of unwrapped counters (never negative) can mark a row that held no counter value; values
 * beyond +-2^53 are clamped there. Counts of both are added to `counts` when given.
 */
export function float64ToInt64(values: ArrayLike<number>, n: number, invalid = -1, counts?: { invalid: number; clamped: number }): BigInt64Array {
  const out = new BigInt64Array(n);
  const words = new Uint32Array(out.buffer);
  let invalids = 0;
  let clamped = 0;
  for (let i = 0; i < n; i++) {
    let v = Math.round(values[i]);
    // The common case for counters (any value in [0, 2^32)): the high word stays the 0 it was allocated with.
    if (v >= 0 && v < TWO_32) {
      words[2 * i] = v;
      continue;
    }
    if (v !== v) {
      v = invalid;
      invalids++;
    } else if (v > LIMIT || v < -LIMIT) {
      v = v > 0 ? LIMIT : -LIMIT;
      clamped++;
    }
    const hi = Math.floor(v * INV_TWO_32);
    words[2 * i] = v - hi * TWO_32;
    words[2 * i + 1] = hi; // a negative hi wraps to its two's complement word, as int64 wants
  }
  if (counts) {
    counts.invalid += invalids;
    counts.clamped += clamped;
  }
  return out;
}

/** int64 or uint64 -> float64 into `out` (exact below 2^53 in magnitude). */
export function int64ToFloat64<T extends Float64Array<ArrayBufferLike> = Float64Array>(column: BigInt64Array | BigUint64Array, out: T = new Float64Array(column.length) as T): T {
  const n = column.length;
  const lo = new Uint32Array(column.buffer, column.byteOffset, 2 * n);
  if (column instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = lo[2 * i + 1] * TWO_32 + lo[2 * i];
  } else {
    const hi = new Int32Array(column.buffer, column.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1] * TWO_32 + lo[2 * i];
  }
  return out;
}
