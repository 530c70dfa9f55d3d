/**
 * Timer ticks to nanoseconds, floor(ticks * 1e9 / frequency), exact for every result below 2^53 ns
 * (104 days): ticks * 1e9 itself would lose digits in float64 long before that, so the division
 * goes in steps whose intermediate values stay exact integers.
 */
export function ticksToNs(ticks: number, frequency: number): number {
  let q = Math.floor(ticks / frequency);
  let r = ticks - q * frequency;
  // The float quotient can be one off; the remainder (exact) says which way.
  if (r < 0) {
    q -= 1;
    r += frequency;
  } else if (r >= frequency) {
    q += 1;
    r -= frequency;
  }
  // r < frequency < 2^32: r * 1e4 < 2^46 and ra * 1e5 < 2^49, so every product below is exact, and
  // a float quotient of such integers floors correctly.
  const a = r * 1e4;
  const qa = Math.floor(a / frequency);
  const ra = a - qa * frequency;
  return q * 1e9 + qa * 1e5 + Math.floor((ra * 1e5) / frequency);
}
