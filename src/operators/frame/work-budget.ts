/**
 * Bounds the work a scan spends on candidates per input byte, so crafted input cannot make the scan
 * examine each byte more than a fixed number of times. Credit is earned as the scan advances, up to
 * a burst, and spent on expensive checks (a CRC over a long candidate, a search inside one).
 */
export class WorkBudget {
  private credit: number;
  /** Absolute stream position up to which credit has been earned. */
  private earnedTo = 0;

  /**
   * @param perByte checked bytes allowed per input byte scanned
   * @param burst most credit held at once; at least the cost of the longest single check
   */
  constructor(
    private readonly perByte: number,
    private readonly burst: number,
  ) {
    this.credit = burst;
  }

  /** Spends `cost` and returns true when the scan, now at absolute position `at`, has earned it. */
  spend(at: number, cost: number): boolean {
    if (at > this.earnedTo) {
      this.credit = Math.min(this.burst, this.credit + (at - this.earnedTo) * this.perByte);
      this.earnedTo = at;
    }
    if (cost > this.credit) return false;
    this.credit -= cost;
    return true;
  }
}
