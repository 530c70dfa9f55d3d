/**
 * Adaptive poll interval for an RTT up buffer, steered by how full the buffer was at each poll: at
 * half full or more the next poll comes at once (data arrives faster than we poll); above a quarter
 * the wait halves; below an eighth (or with nothing read) it grows, up to `max`. Polling an idle
 * target rarely keeps the halted time low; polling a busy one often keeps block_if_full firmware
 * from waiting on the host.
 */
export class PollPacer {
  private delay: number;

  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {
    this.delay = min;
  }

  /** The wait in ms before the next poll, after a poll that read `read` bytes of a `size`-byte buffer. */
  next(read: number, size: number): number {
    const fill = size > 0 ? read / size : 0;
    if (fill >= 0.5) this.delay = this.min;
    else if (fill > 0.25) this.delay = Math.max(this.min, this.delay / 2);
    else if (fill < 0.125) this.delay = Math.min(this.max, Math.max(this.delay * 2, this.min, 0.5));
    return this.delay;
  }

  reset(): void {
    this.delay = this.min;
  }
}
