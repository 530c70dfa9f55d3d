/**
 * Bounds the work a scan spends on candidates per input byte, so crafted input cannot make the scan
 * examine each byte more than a fixed number of times. Credit is earned as the scan advances, up to
 * a burst, and spent on expensive checks (a CRC over a long candidate, a search inside one). A check
 * may overdraw by a little, so a short real frame right after a long impostor is still checked.
 */
export class WorkBudget {
  private credit: number;
  /** Absolute stream position up to which credit has been earned. */
  private earnedTo = 0;

  /**
   * @param perByte work allowed per input byte scanned
   * @param burst most credit held at once; at least the cost of the longest single check
   * @param overdraft how far below zero one check may take the credit
   */
  constructor(
    private readonly perByte: number,
    private readonly burst: number,
    private readonly overdraft: number,
  ) {
    this.credit = burst;
  }

  /** Spends `cost` and returns true when the scan, now at absolute position `at`, can afford it. */
  spend(at: number, cost: number): boolean {
    if (at > this.earnedTo) {
      this.credit = Math.min(this.burst, this.credit + (at - this.earnedTo) * this.perByte);
      this.earnedTo = at;
    }
    if (cost > this.credit + this.overdraft) return false;
    this.credit -= cost;
    return true;
  }
}
