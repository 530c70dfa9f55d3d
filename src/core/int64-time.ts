/**
 * Fast float64-nanoseconds to int64 conversion for time columns. Inside the pipeline time is float64
 * ns relative to the run's anchor; files store absolute int64 timestamps. A BigInt per row costs
 * about 50 ns, so the 64-bit value is assembled from two exact 32-bit halves in plain doubles and
 * stored through a Uint32Array view of the output (little-endian, as every supported host is).
 */

export type TimeUnit = 'ns' | 'us' | 'ms';

const TWO_32 = 4294967296;
/** 2^-32 is exact, so multiplying by it and flooring equals dividing by 2^32. */
const INV_TWO_32 = 1 / TWO_32;
const UNIT_NS: Record<TimeUnit, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n };

/**
 * Converts relative float64 ns to absolute int64 values in `unit`: out[i] = floor((offsetNs + round(ns[i])) / unit).
 * Exact for |ns| < 2^53 and for results below 2^53 units when unit is us or ms (until year 2255 in us).
 */
export function toInt64Time(ns: Float64Array, offsetNs: bigint, unit: TimeUnit = 'ns'): BigInt64Array {
  const out = new BigInt64Array(ns.length);
  const words = new Uint32Array(out.buffer);
  if (unit === 'ns') {
    // offset = hi * 2^32 + lo with lo in [0, 2^32): each row adds two exact doubles and carries.
    const offsetHi = Number(offsetNs >> 32n);
    const offsetLo = Number(offsetNs & 0xffffffffn);
    for (let i = 0; i < ns.length; i++) {
      const v = Math.round(ns[i]);
      const vHi = Math.floor(v * INV_TWO_32);
      let lo = offsetLo + (v - vHi * TWO_32);
      let hi = offsetHi + vHi;
      if (lo >= TWO_32) {
        lo -= TWO_32;
        hi += 1;
      }
      words[2 * i] = lo;
      words[2 * i + 1] = hi; // a negative hi wraps to its two's complement word, as int64 wants
    }
    return out;
  }
  // Coarser units: the offset in units fits a double exactly; the sub-unit remainder joins each row.
  const divisor = UNIT_NS[unit];
  const offsetUnits = Number(offsetNs / divisor);
  const remainder = Number(offsetNs % divisor);
  const d = Number(divisor);
  for (let i = 0; i < ns.length; i++) {
    const value = offsetUnits + Math.floor((remainder + Math.round(ns[i])) / d);
    const hi = Math.floor(value * INV_TWO_32);
    words[2 * i] = value - hi * TWO_32;
    words[2 * i + 1] = hi;
  }
  return out;
}
