import type { NumericColumn } from '../../core/batch.js';

/**
 * The data's time step: the median of the positive differences between consecutive timestamps
 * (rows that share a timestamp, like the samples of one frame, do not count). Undefined until there
 * are at least two distinct times.
 */
export function timeStep(time: NumericColumn, n: number, limit = 4097): number | undefined {
  const steps: number[] = [];
  for (let i = 1; i < Math.min(n, limit); i++) {
    const d = Number(time[i]) - Number(time[i - 1]);
    if (d > 0) steps.push(d);
  }
  if (steps.length === 0) return undefined;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)];
}

/** Formats ns for messages: "250us", "10ms", "1.5s". */
export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${+(ns / 1e9).toPrecision(4)}s`;
  if (ns >= 1e6) return `${+(ns / 1e6).toPrecision(4)}ms`;
  if (ns >= 1e3) return `${+(ns / 1e3).toPrecision(4)}us`;
  return `${+ns.toPrecision(4)}ns`;
}
