/**
 * Whole numbers between float64 and int64 columns without a BigInt per row (each costs an
 * allocation): the 64-bit value is split into two exact 32-bit halves in plain doubles and moved
 * through a 32-bit view of the int64 array (little-endian, as every supported host is). Exact for
 * magnitudes below 2^53, which is what a float64 holds exactly.
 */

const TWO_32 = 4294967296;
/** 2^-32 is exact, so multiplying by it and flooring equals dividing by 2^32. */
const INV_TWO_32 = 1 / TWO_32;

/**
 * float64 -> int64, rounding to nearest. Values that are not numbers (NaN) become `invalid`, so a
 * column of unwrapped counters (never negative) can mark a row that held no counter value.
 */
export function float64ToInt64(values: ArrayLike<number>, n: number, invalid = -1): BigInt64Array {
  const out = new BigInt64Array(n);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    let v = Math.round(values[i]);
    if (v !== v) v = invalid;
    const hi = Math.floor(v * INV_TWO_32);
    words[2 * i] = v - hi * TWO_32;
    words[2 * i + 1] = hi; // a negative hi wraps to its two's complement word, as int64 wants
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
