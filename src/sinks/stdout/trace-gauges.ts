import type { ComponentSnapshot } from '../../core/metrics.js';

/** Prefix of the per-task stack gauges of trace_recorder (unused_stack_min.<task>). */
const STACK = 'unused_stack_min.';

/**
 * Summary parts for components that report an RTOS's heap and stack from its trace: heap current
 * and high-water bytes, and each task's lowest unused stack, e.g.
 * `events heap 1024/1280 B stack-min sensor=174 radio=100`.
 */
export function traceGaugeParts(snapshots: readonly ComponentSnapshot[]): string[] {
  const parts: string[] = [];
  for (const s of snapshots) {
    const g = s.gauges;
    const stacks = Object.entries(g).filter(([name]) => name.startsWith(STACK));
    if (g.heap_high_water === undefined && stacks.length === 0) continue;
    let text = s.id.split('/')[0];
    if (g.heap_high_water !== undefined) text += ` heap ${g.heap_current}/${g.heap_high_water} B`;
    if (stacks.length > 0) text += ` stack-min ${stacks.map(([name, v]) => `${name.slice(STACK.length)}=${v}`).join(' ')}`;
    parts.push(text);
  }
  return parts;
}
