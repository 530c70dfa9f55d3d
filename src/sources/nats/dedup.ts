/**
 * Remembers which (node, run, seq) messages were already passed on, so a redelivered message is not
 * recorded twice. Per node and run it keeps the highest seq below which everything was seen and the
 * seqs seen above it (publishes can overtake each other), so memory stays bounded by the reordering,
 * not by the run's length.
 */
export class Redeliveries {
  private readonly runs = new Map<string, { below: number; above: Set<number> }>();

  /** True the first time a message is offered; false for a message seen before. */
  firstTime(node: string, run: string, seq: number): boolean {
    const key = `${node}\u0000${run}`;
    let state = this.runs.get(key);
    if (state === undefined) {
      state = { below: 0, above: new Set() };
      this.runs.set(key, state);
    }
    if (seq < state.below || state.above.has(seq)) return false;
    state.above.add(seq);
    while (state.above.delete(state.below)) state.below++;
    return true;
  }
}
