import type { MetricsRegistry } from './metrics.js';

/** Renders every component's metrics in the Prometheus text exposition format (version 0.0.4). */
export function renderPrometheus(registry: MetricsRegistry): string {
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
  for (const m of registry.all()) {
    const base = { component: m.id, kind: m.kind, type: m.type };
    add('pipeline_batches_in_total', 'Batches received by a component.', 'counter', base, m.batchesIn);
    add('pipeline_items_in_total', 'Items (bytes, frames or records) received.', 'counter', base, m.itemsIn);
    add('pipeline_bytes_in_total', 'Payload bytes received.', 'counter', base, m.bytesIn);
    add('pipeline_batches_out_total', 'Batches emitted by a component.', 'counter', base, m.batchesOut);
    add('pipeline_items_out_total', 'Items (bytes, frames or records) emitted.', 'counter', base, m.itemsOut);
    add('pipeline_bytes_out_total', 'Payload bytes emitted.', 'counter', base, m.bytesOut);
    add('pipeline_drops_total', 'Batches dropped by a drop policy.', 'counter', base, m.drops);
    add('pipeline_queue_depth', 'Batches waiting in the buffer in front of a sink.', 'gauge', base, m.queueDepth);
    for (const [reason, n] of m.errors) add('pipeline_errors_total', 'Rejected input by reason.', 'counter', { ...base, reason }, n);
    for (const [name, n] of m.counters) add('pipeline_events_total', 'Domain events (reconnects, resets, injected faults).', 'counter', { ...base, event: name }, n);
    for (const [name, v] of m.gauges) add('pipeline_gauge', 'Component-specific gauges.', 'gauge', { ...base, gauge: name }, v);
  }
  for (const [name, entry] of series) {
    lines.push(`# HELP ${name} ${entry.help}`, `# TYPE ${name} ${entry.type}`, ...entry.rows);
  }
  return lines.join('\n') + '\n';
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
