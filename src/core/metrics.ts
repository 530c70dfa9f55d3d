/**
 * Per-component counters. The runner counts batches, items and bytes in and out of every component
 * and the drops and queue depth of every sink edge, so components only count what they alone know:
 * errors by reason (`crc`, `resync_bytes`, ...) and domain counters (`reconnects`, `injected_crc`).
 */
export class ComponentMetrics<D extends MetricsDeclaration = MetricsDeclaration> {
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
  /**
   * Warnings worth repeating when the run ends, one per key (the end-of-run counters table prints them
   * under the table). The text is made then, so it can give the final counts. Not in snapshots.
   */
  readonly notices = new Map<string, () => string>();
  /** What the component declares (set when it is created); checked at every count when `strict`. */
  private declared: MetricsDeclaration | undefined;
  /** Standalone contexts (tests, tools) make counting an undeclared name throw; the runner does not, so a miss never stops a pipeline. */
  strict = false;

  constructor(
    readonly id: string,
    readonly kind: 'source' | 'operator' | 'sink',
    readonly type: string,
  ) {}

  /** Counts rejected input by reason (bad CRC, resync bytes, decode failure...): a reason of the declaration's `errors`. */
  error(reason: DeclaredName<D, 'errors'>, n = 1): void {
    this.check('errors', reason);
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + n);
  }

  /** Counts a domain event (reconnects, injected faults, resets...): a name of the declaration's `counters`. */
  count(name: DeclaredName<D, 'counters'>, n = 1): void {
    this.check('counters', name);
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  /** Keeps a warning for the end-of-run table (see `notices`). */
  notice(key: string, text: () => string): void {
    this.notices.set(key, text);
  }

  gauge(name: DeclaredName<D, 'gauges'>, value: number): void {
    this.check('gauges', name);
    this.gauges.set(name, value);
  }

  /** Takes the component's declaration; `create` of every definition calls it (src/core/component.ts). */
  declare(declaration: MetricsDeclaration): void {
    this.declared = declaration;
  }

  private check(table: keyof MetricsDeclaration, name: string): void {
    if (!this.strict || this.declared === undefined || isDeclared(this.declared[table], name) || isDeclared(ENGINE_METRICS[this.kind][table], name)) return;
    throw new Error(`component "${this.id}" counted ${table}.${name}, which its definition's metrics do not declare`);
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
    const totals = Object.fromEntries(TOTALS.map((t) => [t.key, this[t.field]])) as Record<TotalKey, number>;
    return {
      id: this.id,
      kind: this.kind,
      type: this.type,
      ...totals,
      errors: Object.fromEntries(this.errors),
      counters: Object.fromEntries(this.counters),
      gauges: Object.fromEntries(this.gauges),
    };
  }
}

/**
 * The totals the engine keeps for every component, defined once: the snapshot's keys (status API,
 * live view, summaries), the fields of ComponentMetrics they come from, their units, and their
 * Prometheus series where they have one.
 */
export const TOTALS = [
  { key: 'batches_in', field: 'batchesIn', unit: 'batches', prometheus: { name: 'pipeline_batches_in_total', type: 'counter', help: 'Batches received by a component.' } },
  { key: 'items_in', field: 'itemsIn', unit: 'items', prometheus: { name: 'pipeline_items_in_total', type: 'counter', help: 'Items (bytes, frames or records) received.' } },
  { key: 'bytes_in', field: 'bytesIn', unit: 'bytes', prometheus: { name: 'pipeline_bytes_in_total', type: 'counter', help: 'Payload bytes received.' } },
  { key: 'batches_out', field: 'batchesOut', unit: 'batches', prometheus: { name: 'pipeline_batches_out_total', type: 'counter', help: 'Batches emitted by a component.' } },
  { key: 'items_out', field: 'itemsOut', unit: 'items', prometheus: { name: 'pipeline_items_out_total', type: 'counter', help: 'Items (bytes, frames or records) emitted.' } },
  { key: 'bytes_out', field: 'bytesOut', unit: 'bytes', prometheus: { name: 'pipeline_bytes_out_total', type: 'counter', help: 'Payload bytes emitted.' } },
  { key: 'drops', field: 'drops', unit: 'batches', prometheus: { name: 'pipeline_drops_total', type: 'counter', help: 'Batches dropped by a drop policy.' } },
  { key: 'queue_depth', field: 'queueDepth', unit: 'batches', prometheus: { name: 'pipeline_queue_depth', type: 'gauge', help: 'Batches waiting in the buffer in front of a sink.' } },
  { key: 'queue_bytes', field: 'queueBytes', unit: 'bytes', prometheus: undefined },
] as const satisfies readonly {
  key: string;
  field: keyof ComponentMetrics;
  unit: MetricUnit;
  prometheus: { name: string; type: 'counter' | 'gauge'; help: string } | undefined;
}[];

type TotalKey = (typeof TOTALS)[number]['key'];

export type ComponentSnapshot = {
  id: string;
  kind: 'source' | 'operator' | 'sink';
  type: string;
} & { [K in TotalKey]: number } & {
  errors: Record<string, number>;
  counters: Record<string, number>;
  gauges: Record<string, number>;
};

/** What one count of a metric is. */
export type MetricUnit = 'bytes' | 'frames' | 'datagrams' | 'rows' | 'items' | 'batches' | 'events' | 'requests' | 'connections' | 'clients' | 'files' | 'windows' | 'polls' | 'ms' | 'us' | 'ns' | 'state' | 'port';

/**
 * The metrics a component counts itself, each name with its unit, declared once in its definition:
 * `errors` for rejected input by reason (`metrics.error(reason, n)`), `counters` for domain events
 * (`metrics.count(name, n)`), `gauges` for values that go up and down (`metrics.gauge`). A name
 * ending in `*` declares a family (`refused_*`). A test checks that every name a component counts
 * is declared.
 */
export interface MetricsDeclaration {
  readonly errors?: Readonly<Record<string, MetricUnit>>;
  readonly counters?: Readonly<Record<string, MetricUnit>>;
  readonly gauges?: Readonly<Record<string, MetricUnit>>;
}

/**
 * The names a declaration allows in one table, as a type: its keys, a `prefix*` family as any name
 * with that prefix; `string` for a declaration whose names are not known (a plain MetricsDeclaration),
 * `never` for a table it does not have. So `context.metrics.error('crc')` in a component that does not
 * declare `crc` is a type error.
 */
export type DeclaredName<D extends MetricsDeclaration, T extends keyof MetricsDeclaration> = D extends { readonly [K in T]?: infer Table } ? NamesOf<Table> : never;
type NamesOf<Table> = Table extends undefined ? never : string extends keyof Table ? string : { [K in keyof Table & string]: K extends `${infer Prefix}*` ? `${Prefix}${string}` : K }[keyof Table & string];

/** The declaration `declareMetrics` returns: every name of every part, in its table. */
type Joined<P extends MetricsDeclaration> = { readonly [T in keyof MetricsDeclaration]-?: Readonly<Record<KeysOf<P, T>, MetricUnit>> };
type KeysOf<P, T extends keyof MetricsDeclaration> = P extends { readonly [K in T]?: infer Table } ? (Table extends undefined ? never : keyof Table & string) : never;

/** Joins the declarations of shared parts (the reconnect loop, a device writer) with a component's own. */
export function declareMetrics<P extends readonly MetricsDeclaration[]>(...parts: P): Joined<P[number]> {
  return {
    errors: Object.assign({}, ...parts.map((p) => p.errors ?? {})),
    counters: Object.assign({}, ...parts.map((p) => p.counters ?? {})),
    gauges: Object.assign({}, ...parts.map((p) => p.gauges ?? {})),
  };
}

/** What the engine counts for every component of a role, on top of the component's own. */
export const ENGINE_METRICS: Readonly<Record<ComponentMetrics['kind'], MetricsDeclaration>> = {
  source: {},
  // Each batch sent to a declared side output (src/core/context.ts).
  operator: { counters: { 'emitted_*': 'batches' } },
  // The buffer in front of every sink (src/core/runner/sink-driver.ts).
  sink: { errors: { write_failed: 'batches', sync_failed: 'events' }, counters: { dropped_items: 'items' } },
};

/** True when `name` is declared in `table`, by itself or by a `prefix*` family. */
export function isDeclared(table: Readonly<Record<string, MetricUnit>> | undefined, name: string): boolean {
  if (table === undefined) return false;
  if (Object.hasOwn(table, name)) return true;
  return Object.keys(table).some((key) => key.endsWith('*') && name.startsWith(key.slice(0, -1)));
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
