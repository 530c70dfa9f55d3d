import type { Logger } from 'pino';
import { type Connectable, type Observable, Subject, asyncScheduler, connectable, merge, tap, type SchedulerLike, type Subscription, catchError, throwError } from 'rxjs';
import { type Batch, byteSize, itemCount } from '../batch.js';
import { type Clock, createClock } from '../clock.js';
import type { ComponentContext, SinkInstance } from '../component.js';
import { nameComponent } from '../component-error.js';
import type { PipelinePlan, SinkPlan, TransformPlan } from '../config/plan.js';
import { FlowSignal } from '../flow.js';
import { MetricsRegistry } from '../metrics.js';
import { SinkDriver } from './sink-driver.js';

export interface RunnerOptions {
  readonly log: Logger;
  readonly dataDir?: string;
  readonly clock?: Clock;
  readonly scheduler?: SchedulerLike;
  readonly metrics?: MetricsRegistry;
}

export interface RunResult {
  readonly metrics: MetricsRegistry;
  /** Why the run ended: all sources completed, stop() was called, or a component failed. */
  readonly reason: 'completed' | 'stopped' | 'failed';
  readonly error?: Error;
}

/**
 * Turns a plan into running RxJS Observables. Every node's output is a connectable (one subscription
 * per source however many consumers it has); all consumers subscribe first, sources connect last so
 * no batch is emitted before the whole graph listens. Sinks sit behind SinkDrivers (bounded buffers);
 * `block` buffers pause the sources upstream of them through their FlowSignals.
 */
export class Runner {
  readonly metrics: MetricsRegistry;
  readonly clock: Clock;
  private readonly abort = new AbortController();
  private readonly flows = new Map<string, FlowSignal>();
  private readonly ports = new Map<string, Observable<Batch>>();
  private readonly connectables: Connectable<Batch>[] = [];
  private readonly sourceConnectables: Connectable<Batch>[] = [];
  private readonly drivers = new Map<string, SinkDriver>();
  private readonly subscriptions: Subscription[] = [];
  private failure: Error | undefined;
  private stopRequested = false;
  private started = false;
  private markFlowing!: () => void;
  /** Resolves once every component is built and the sources are connected (data is flowing). */
  readonly flowing = new Promise<void>((resolve) => (this.markFlowing = resolve));

  constructor(
    readonly plan: PipelinePlan,
    private readonly options: RunnerOptions,
  ) {
    this.metrics = options.metrics ?? new MetricsRegistry();
    this.clock = options.clock ?? createClock();
  }

  /** Builds the graph, starts the sources and resolves when every sink has closed. */
  async run(): Promise<RunResult> {
    if (this.started) throw new Error('runner: run() called twice');
    this.started = true;
    const sinks: { plan: SinkPlan; sink: SinkInstance; context: ComponentContext }[] = [];
    try {
      this.buildSources();
      for (const transform of this.plan.transforms) this.buildTransform(transform);
      for (const plan of this.plan.sinks) {
        this.componentBeingBuilt = plan.id;
        const context = this.context(plan.id, 'sink', plan.definition.type);
        sinks.push({ plan, context, sink: await plan.definition.create(plan.options as never, context) });
      }
      this.componentBeingBuilt = undefined;
    } catch (error) {
      // A sink that failed to start: close the ones already open so no file is left half-made.
      await Promise.allSettled(sinks.map((s) => s.sink.close()));
      throw nameComponent(this.componentBeingBuilt ?? 'pipeline', error);
    }
    for (const { plan, sink } of sinks) this.attachSink(plan, sink);
    for (const c of this.connectables) this.subscriptions.push(c.connect());
    for (const c of this.sourceConnectables) this.subscriptions.push(c.connect());
    this.markFlowing();
    this.options.log.debug({ sources: this.plan.sources.length, transforms: this.plan.transforms.length, sinks: this.plan.sinks.length }, 'pipeline started');

    const results = await Promise.allSettled([...this.drivers.values()].map((d) => d.completion));
    for (const [index, result] of results.entries()) {
      if (result.status === 'rejected') this.recordFailure(nameComponent([...this.drivers.keys()][index], result.reason));
    }
    this.abort.abort();
    for (const s of this.subscriptions) s.unsubscribe();
    if (this.failure) return { metrics: this.metrics, reason: 'failed', error: this.failure };
    return { metrics: this.metrics, reason: this.stopRequested ? 'stopped' : 'completed' };
  }

  /**
   * Graceful stop: sources complete, operators flush partial state on completion, sinks write what is
   * queued and close. Safe to call more than once.
   */
  stop(): void {
    if (this.stopRequested) return;
    this.stopRequested = true;
    this.options.log.info('stopping: sources finish, operators flush, sinks close');
    // Paused sources must wake up to see the abort.
    for (const flow of this.flows.values()) flow.releaseAll();
    this.abort.abort();
  }

  private componentBeingBuilt: string | undefined;

  private buildSources(): void {
    for (const source of this.plan.sources) {
      const flow = new FlowSignal();
      this.flows.set(source.id, flow);
      const context = this.context(source.id, 'source', source.definition.type, flow);
      this.componentBeingBuilt = source.id;
      const metrics = context.metrics;
      const output = source.definition.create(source.options as never, context).pipe(
        tap((batch) => metrics.recordOut(batch)),
        catchError((error) => throwError(() => nameComponent(source.id, error))),
      );
      const shared = connectable(output, { connector: () => new Subject<Batch>(), resetOnDisconnect: false });
      this.sourceConnectables.push(shared);
      this.ports.set(source.id, shared);
    }
    this.componentBeingBuilt = undefined;
  }

  private buildTransform(transform: TransformPlan): void {
    let stream: Observable<Batch> = merge(...transform.inputs.map((input) => this.ports.get(input)!));
    const sides: Subject<Batch>[] = [];
    // Each batch is measured once per boundary: what one step gives is what the next one takes.
    let measureAtBoundary: ((items: number, bytes: number) => void)[] = [];
    const boundary = (counters: ((items: number, bytes: number) => void)[]) =>
      tap((batch: Batch) => {
        const items = itemCount(batch);
        const bytes = byteSize(batch);
        for (const count of counters) count(items, bytes);
      });
    for (const step of transform.steps) {
      this.componentBeingBuilt = step.id;
      const stepSides = new Map<string, Subject<Batch>>();
      for (const name of Object.keys(step.sideOutputs)) {
        const subject = new Subject<Batch>();
        stepSides.set(name, subject);
        sides.push(subject);
        this.ports.set(`${transform.id}.${name}`, subject.asObservable());
      }
      const context = this.context(step.id, 'operator', step.definition.type, undefined, (name, batch) => {
        const subject = stepSides.get(name);
        if (!subject) throw new Error(`operator emitted to undeclared output "${name}" (declared: ${[...stepSides.keys()].join(', ') || 'none'})`);
        metrics.count(`emitted_${name}`, 1);
        subject.next(batch);
      });
      const metrics = context.metrics;
      const operator = step.definition.create(step.options as never, context);
      stream = stream.pipe(
        boundary([...measureAtBoundary, (items, bytes) => metrics.countIn(items, bytes)]),
        operator,
        catchError((error) => throwError(() => nameComponent(step.id, error))),
      );
      measureAtBoundary = [(items, bytes) => metrics.countOut(items, bytes)];
    }
    stream = stream.pipe(boundary(measureAtBoundary));
    this.componentBeingBuilt = undefined;
    // Side outputs end when the main chain ends, so downstream consumers complete too.
    stream = stream.pipe(
      tap({
        complete: () => sides.forEach((s) => s.complete()),
        error: (error) => sides.forEach((s) => s.error(error)),
      }),
    );
    const shared = connectable(stream, { connector: () => new Subject<Batch>(), resetOnDisconnect: false });
    this.connectables.push(shared);
    this.ports.set(transform.id, shared);
  }

  private attachSink(plan: SinkPlan, sink: SinkInstance): void {
    const metrics = this.metrics.get(plan.id)!;
    const upstream = this.sourcesUpstreamOf(plan.inputs).map((id) => this.flows.get(id)!);
    const log = this.options.log.child({ component: plan.id });
    const driver = new SinkDriver(sink, metrics, {
      whenFull: plan.whenFull,
      maxBatches: plan.maxBatches,
      maxBytes: plan.maxBytes,
      upstream,
      onLossyWriteError: (error) => log.warn({ err: error }, `write failed; with when_full: ${plan.whenFull} the batch is dropped (counted as write_failed) and the sink goes on`),
    });
    this.drivers.set(plan.id, driver);
    const input = merge(...plan.inputs.map((name) => this.ports.get(name)!));
    this.subscriptions.push(
      input.subscribe({
        next: (batch) => driver.push(batch),
        complete: () => driver.end(),
        error: (error) => {
          this.recordFailure(nameComponent(plan.id, error));
          for (const d of this.drivers.values()) d.abort();
        },
      }),
    );
    driver.completion.catch((error) => {
      // A sink that fails stops the pipeline: the other sinks close cleanly with what they have.
      this.recordFailure(nameComponent(plan.id, error));
      this.stop();
    });
  }

  private recordFailure(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.options.log.error({ err: error }, error.message);
    this.abort.abort();
  }

  private sourcesUpstreamOf(inputs: readonly string[]): string[] {
    const found = new Set<string>();
    const visit = (port: string) => {
      const owner = port.split('.')[0];
      if (this.flows.has(owner)) found.add(owner);
      const transform = this.plan.transforms.find((t) => t.id === owner);
      transform?.inputs.forEach(visit);
    };
    inputs.forEach(visit);
    return [...found];
  }

  private context(id: string, kind: 'source' | 'operator' | 'sink', type: string, flow: FlowSignal = new FlowSignal(), emit?: ComponentContext['emit']): ComponentContext {
    return {
      id,
      log: this.options.log.child({ component: id }),
      metrics: this.metrics.register(id, kind, type),
      registry: this.metrics,
      scheduler: this.options.scheduler ?? asyncScheduler,
      signal: this.abort.signal,
      clock: this.clock,
      flow,
      dataDir: this.options.dataDir ?? process.cwd(),
      pipeline: { name: this.plan.name, file: this.plan.file, configText: this.plan.configText },
      emit:
        emit ??
        ((name) => {
          throw new Error(`component "${id}" has no named outputs (tried "${name}")`);
        }),
    };
  }
}
