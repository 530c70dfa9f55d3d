/**
 * Host time. Inside the pipeline, time is float64 nanoseconds relative to the run's anchor, read from
 * a monotonic clock (exact to 1 ns for about 104 days); the anchor is tied once to the wall clock so
 * sinks can write absolute timestamps without the wall clock's jumps leaking into the data.
 */
export interface Clock {
  /** Monotonic ns since the anchor. */
  nowNs(): number;
  /** Wall-clock ns since the Unix epoch at the anchor. */
  readonly anchorWallNs: bigint;
  /** Converts a relative host time to absolute wall-clock ns since the Unix epoch. */
  toWallNs(relativeNs: number): bigint;
}

export function createClock(): Clock {
  const anchorHr = process.hrtime.bigint();
  // Date.now() has ms resolution; performance.timeOrigin + now() gives sub-ms precision for the anchor.
  const anchorWallNs = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
  return {
    nowNs: () => Number(process.hrtime.bigint() - anchorHr),
    anchorWallNs,
    toWallNs: (relativeNs: number) => anchorWallNs + BigInt(Math.round(relativeNs)),
  };
}
