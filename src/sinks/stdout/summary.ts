import type { PipelineStatus } from '../../core/capabilities.js';
import type { ComponentSnapshot } from '../../core/metrics.js';
import { traceGaugeParts } from './trace-gauges.js';

/** Width of a status line, when it can be kept so (errors are never left out to fit). */
const MAX_WIDTH = 100;

/**
 * One status line from the change of every component's counters since the previous line:
 * source rates, the output rate of each transform, errors by reason, drops and sink queues. A line
 * wider than 100 columns lists only the sinks that fall behind and counts the rest.
 */
export class SummaryLine {
  private previous = new Map<string, ComponentSnapshot>();
  private previousAt = performance.now();

  constructor(private readonly status: PipelineStatus) {}

  next(now = performance.now()): string {
    const seconds = Math.max(1e-3, (now - this.previousAt) / 1000);
    const current = this.status.snapshot();
    const rate = (s: ComponentSnapshot, key: 'items_out' | 'bytes_out' | 'items_in') => (s[key] - (this.previous.get(s.id)?.[key] ?? 0)) / seconds;
    const parts: string[] = [];
    for (const s of current.filter((c) => c.kind === 'source')) {
      const injected = Object.entries(s.counters).filter(([k, v]) => k.startsWith('injected_') && v > 0);
      let text = `${s.id} ${formatBytes(rate(s, 'bytes_out'))}/s`;
      if (s.counters.reconnects) text += ` reconnects=${s.counters.reconnects}`;
      if (injected.length > 0) text += ` (injected ${injected.map(([k, v]) => `${k.slice(9)}=${v}`).join(' ')})`;
      parts.push(text);
    }
    for (const last of lastStepOfEachTransform(current)) parts.push(`${last.id.split('/')[0]} ${formatCount(rate(last, 'items_out'))}/s`);
    const errors = new Map<string, number>();
    for (const s of current) for (const [reason, n] of Object.entries(s.errors)) errors.set(reason, (errors.get(reason) ?? 0) + n);
    parts.push(...traceGaugeParts(current));
    parts.push(errors.size > 0 ? `errors ${[...errors].map(([r, n]) => `${r}=${n}`).join(' ')}` : 'errors 0');
    const sinks = current.filter((c) => c.kind === 'sink');
    const sinkTexts = new Map(sinks.map((s) => [s.id, `${s.id} ${formatCount(rate(s, 'items_in'))}/s q=${s.queue_depth}${s.drops > 0 ? ` drops=${s.drops}` : ''}`]));
    const sinkPart = (s: ComponentSnapshot) => sinkTexts.get(s.id)!;
    this.previous = new Map(current.map((s) => [s.id, s]));
    this.previousAt = now;
    const time = new Date().toISOString().slice(11, 19);
    const full = `${time} | ${[...parts, ...sinks.map(sinkPart)].join(' | ')}`;
    if (full.length <= MAX_WIDTH) return full;
    // Too wide for a terminal: sinks that keep up (empty queue, no drops) are counted, not listed.
    const behind = sinks.filter((s) => s.queue_depth > 0 || s.drops > 0);
    const keepingUp = sinks.length - behind.length;
    const compact = [...parts, ...behind.map(sinkPart), ...(keepingUp > 0 ? [`${behind.length > 0 ? 'other ' : ''}${keepingUp} sink${keepingUp === 1 ? '' : 's'} q=0`] : [])];
    return `${time} | ${compact.join(' | ')}`;
  }
}

function lastStepOfEachTransform(snapshots: readonly ComponentSnapshot[]): ComponentSnapshot[] {
  const last = new Map<string, ComponentSnapshot>();
  for (const s of snapshots) if (s.kind === 'operator') last.set(s.id.split('/')[0], s);
  return [...last.values()];
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n.toFixed(0)} B`;
}
