/**
 * Per-component counters. The runner counts batches, items and bytes in and out of every component
 * and the drops and queue depth of every sink edge, so components only count what they alone know:
 * errors by reason (`crc`, `resync_bytes`, ...) and domain counters (`reconnects`, `injected_crc`).
 */
export class ComponentMetrics {
  batchesIn = 0;
  itemsIn = 0;
  bytesIn = 0;
  batchesOut = 0;
  itemsOut = 0;
  bytesOut = 0;
  drops = 0;
  queueDepth = 0;
  queueBytes = 0;
  readonly errors = new Map<string, number>();
  readonly counters = new Map<string, number>();
  readonly gauges = new Map<string, number>();

  constructor(
    readonly id: string,
    readonly kind: 'source' | 'operator' | 'sink',
    readonly type: string,
  ) {}

  /** Counts rejected input by reason (bad CRC, resync bytes, decode failure...). */
  error(reason: string, n = 1): void {
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + n);
  }

  /** Counts a domain event (reconnects, injected faults, resets...). */
  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  gauge(name: string, value: number): void {
    this.gauges.set(name, value);
  }

  /** Counts data lost on purpose (a drop policy); `n` in batches is the runner's unit. */
  drop(n = 1): void {
    this.drops += n;
  }

  countIn(items: number, bytes: number): void {
    this.batchesIn++;
    this.itemsIn += items;
    this.bytesIn += bytes;
  }

  countOut(items: number, bytes: number): void {
    this.batchesOut++;
    this.itemsOut += items;
    this.bytesOut += bytes;
  }

  totalErrors(): number {
    let total = 0;
    for (const n of this.errors.values()) total += n;
    return total;
  }

  snapshot(): ComponentSnapshot {
    return {
      id: this.id,
      kind: this.kind,
      type: this.type,
      batches_in: this.batchesIn,
      items_in: this.itemsIn,
      bytes_in: this.bytesIn,
      batches_out: this.batchesOut,
      items_out: this.itemsOut,
      bytes_out: this.bytesOut,
      drops: this.drops,
      queue_depth: this.queueDepth,
      queue_bytes: this.queueBytes,
      errors: Object.fromEntries(this.errors),
      counters: Object.fromEntries(this.counters),
      gauges: Object.fromEntries(this.gauges),
    };
  }
}

export interface ComponentSnapshot {
  id: string;
  kind: 'source' | 'operator' | 'sink';
  type: string;
  batches_in: number;
  items_in: number;
  bytes_in: number;
  batches_out: number;
  items_out: number;
  bytes_out: number;
  drops: number;
  queue_depth: number;
  queue_bytes: number;
  errors: Record<string, number>;
  counters: Record<string, number>;
  gauges: Record<string, number>;
}

export class MetricsRegistry {
  private readonly components = new Map<string, ComponentMetrics>();
  readonly startedAtMs = Date.now();

  register(id: string, kind: ComponentMetrics['kind'], type: string): ComponentMetrics {
    if (this.components.has(id)) throw new Error(`metrics: component "${id}" registered twice`);
    const metrics = new ComponentMetrics(id, kind, type);
    this.components.set(id, metrics);
    return metrics;
  }

  get(id: string): ComponentMetrics | undefined {
    return this.components.get(id);
  }

  all(): ComponentMetrics[] {
    return [...this.components.values()];
  }

  snapshot(): ComponentSnapshot[] {
    return this.all().map((m) => m.snapshot());
  }
}
