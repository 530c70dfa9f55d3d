/**
 * The unwrapping state machine of `rollover`, kept apart from the operator so it can be tested and
 * benchmarked on plain typed arrays. One pass, constant state, no allocation.
 *
 * A value equal to the previous one is a repeat (several rows of one frame share its header), never
 * a wrap or a gap. A rise is a forward step. A fall is one of:
 * - a late value, when it falls by at most `lateTolerance` (out-of-order delivery);
 * - a wrap, when reading it as "passed the top and went on" is a forward step of at most
 *   `resetThreshold` counts (default half the range);
 * - otherwise a device reset: a new epoch starts at the raw value instead of inventing a wrap.
 */
export interface UnwrapSettings {
  /** Number of distinct raw values: 2^bits or the configured modulus. */
  readonly modulus: number;
  readonly resetThreshold: number;
  readonly lateTolerance: number;
}

/** What one call saw, added to by Unwrapper.run. */
export interface UnwrapCounts {
  gaps: number;
  wraps: number;
  resets: number;
  late: number;
  invalid: number;
}

/** Unwrapping state carried across batches: last value, wraps so far, epoch. */
export class Unwrapper {
  private started = false;
  /** Highest raw value seen in the current epoch since the last wrap; NaN before the first value. */
  private prev = NaN;
  /** Multiple of the modulus added to raw values in the current epoch. */
  private base = 0;
  private epoch = 0;

  constructor(private readonly settings: UnwrapSettings) {}

  /**
   * Unwraps `n` raw values into `out`; writes missing-value counts into `gaps` and epochs into
   * `epochs` when given (both must be zeroed, as new typed arrays are). Adds what happened to `counts`.
   */
  run(src: ArrayLike<number>, n: number, out: Float64Array, gaps: Uint32Array | undefined, epochs: Uint32Array | undefined, counts: UnwrapCounts): void {
    const { modulus, resetThreshold, lateTolerance } = this.settings;
    // Integer typed arrays hold only integers; only float columns need the integer check.
    const floats = src instanceof Float64Array || src instanceof Float32Array;
    let { started, prev, base, epoch } = this;
    // Counters on locals: object property writes in the loop would cost more than the loop itself.
    let gapTotal = 0;
    let wraps = 0;
    let resets = 0;
    let late = 0;
    let invalid = 0;
    // Output columns arrive zeroed: gaps are written only where nonzero, epochs filled per run.
    let epochFrom = 0;
    // The unwrapped value of `prev`; a repeat costs one compare and one store (prev is NaN until the first value).
    let current = base + prev;
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (v === prev) {
        // A repeat (the rows of one frame share its header): the common case.
        out[i] = current;
        continue;
      }
      let gap = 0;
      if (!(v >= 0 && v < modulus) || (floats && Math.floor(v) !== v)) {
        // Not a counter value (NaN, negative, too large): keep the row, mark it, change no state.
        invalid++;
        out[i] = NaN;
      } else if (!started) {
        started = true;
        prev = v;
        out[i] = base + v;
      } else if (v > prev) {
        const step = v - prev;
        if (modulus - step <= lateTolerance && base >= modulus) {
          // A late value from before the last wrap.
          late++;
          out[i] = base - modulus + v;
        } else {
          gap = step - 1;
          prev = v;
          out[i] = base + v;
        }
      } else {
        const fall = prev - v;
        if (fall <= lateTolerance) {
          late++;
          out[i] = base + v;
        } else if (modulus - fall <= resetThreshold) {
          wraps++;
          gap = modulus - fall - 1;
          base += modulus;
          prev = v;
          out[i] = base + v;
        } else {
          resets++;
          if (epochs !== undefined) epochs.fill(epoch, epochFrom, i);
          epochFrom = i;
          epoch++;
          base = 0;
          prev = v;
          out[i] = v;
        }
      }
      if (gap !== 0) {
        gapTotal += gap;
        if (gaps !== undefined) gaps[i] = gap;
      }
      current = base + prev;
    }
    if (epochs !== undefined) epochs.fill(epoch, epochFrom, n);
    counts.gaps += gapTotal;
    counts.wraps += wraps;
    counts.resets += resets;
    counts.late += late;
    counts.invalid += invalid;
    this.started = started;
    this.prev = prev;
    this.base = base;
    this.epoch = epoch;
  }
}
