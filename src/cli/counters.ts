import type { MetricsRegistry } from '../core/metrics.js';
import { formatBytes, formatCount } from '../sinks/stdout/summary.js';

/** Every component's totals as a table, printed once when a run ends. */
export function renderCounters(registry: MetricsRegistry, seconds: number): string {
  const rows = registry.snapshot().map((s) => {
    const errors = Object.entries(s.errors).map(([r, n]) => `${r}=${n}`).join(' ');
    const events = Object.entries(s.counters).map(([k, v]) => `${k}=${v}`).join(' ');
    return [s.id, s.type, String(s.items_in), String(s.items_out), formatBytes(s.kind === 'sink' ? s.bytes_in : s.bytes_out), String(s.drops), errors || '-', events || '-'];
  });
  const header = ['component', 'type', 'items in', 'items out', 'bytes', 'drops', 'errors', 'events'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const total = registry.snapshot().filter((s) => s.kind === 'sink').reduce((n, s) => n + s.items_in, 0);
  const notices = registry.all().flatMap((m) => [...m.notices.values()].map((text) => `warning: ${m.id}: ${text()}`));
  return [`run ended after ${seconds.toFixed(1)} s; ${formatCount(total)} items reached the sinks`, line(header), ...rows.map(line), ...notices].join('\n') + '\n';
}
