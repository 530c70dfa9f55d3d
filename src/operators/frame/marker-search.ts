/**
 * Finds end markers for frames without a length field. Candidates come in stream order, so the
 * answer for one is usually the answer for the next: a marker is searched for once, not once per
 * start byte (all-start-byte input would otherwise cost `max_length` per byte).
 */
export class MarkerSearch {
  /** Absolute positions: no marker starts in [from, found), or in [from, to - marker length] when found is -1. */
  private from = -1;
  private to = -1;
  private found = -1;

  /** Position in `buf` of the first `marker` in `buf[from, to)`, or -1; `buf[0]` is at absolute `base`. */
  find(buf: Buffer, base: number, marker: Buffer, from: number, to: number): number {
    const at = base + from;
    const known = this.from >= 0 && at >= this.from;
    if (known && this.found >= at) return this.found + marker.length <= base + to ? this.found - base : -1;
    // Without a marker up to where the last search ended, only the bytes after it are new.
    const resume = known && this.found < 0 ? Math.max(from, this.to - (marker.length - 1) - base) : from;
    const e = resume + marker.length <= to ? buf.indexOf(marker, resume) : -1;
    const hit = e >= 0 && e + marker.length <= to ? e : -1;
    this.from = at;
    this.to = base + to;
    this.found = hit >= 0 ? base + hit : -1;
    return hit;
  }
}
