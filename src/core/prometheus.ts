import { type ComponentSnapshot, TOTALS } from './metrics.js';

/** Renders every component's metrics in the Prometheus text exposition format (version 0.0.4). */
export function renderPrometheus(components: readonly ComponentSnapshot[]): string {
  const lines: string[] = [];
  const series = new Map<string, { help: string; type: 'counter' | 'gauge'; rows: string[] }>();
  const add = (name: string, help: string, type: 'counter' | 'gauge', labels: Record<string, string>, value: number) => {
    let entry = series.get(name);
    if (!entry) series.set(name, (entry = { help, type, rows: [] }));
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    entry.rows.push(`${name}{${text}} ${value}`);
  };
  for (const m of components) {
    const base = { component: m.id, kind: m.kind, type: m.type };
    for (const total of TOTALS) if (total.prometheus) add(total.prometheus.name, total.prometheus.help, total.prometheus.type, base, m[total.key]);
    for (const [reason, n] of Object.entries(m.errors)) add('pipeline_errors_total', 'Rejected input by reason.', 'counter', { ...base, reason }, n);
    for (const [name, n] of Object.entries(m.counters)) add('pipeline_events_total', 'Domain events (reconnects, resets, injected faults).', 'counter', { ...base, event: name }, n);
    for (const [name, v] of Object.entries(m.gauges)) add('pipeline_gauge', 'Component-specific gauges.', 'gauge', { ...base, gauge: name }, v);
  }
  for (const [name, entry] of series) {
    lines.push(`# HELP ${name} ${entry.help}`, `# TYPE ${name} ${entry.type}`, ...entry.rows);
  }
  return lines.join('\n') + '\n';
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
