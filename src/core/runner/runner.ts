import type { Logger } from 'pino';
import { type Connectable, type Observable, Subject, asyncScheduler, connectable, map, merge, tap, type SchedulerLike, type Subscription, catchError, throwError } from 'rxjs';
import { type Batch, byteSize, itemCount } from '../batch.js';
import { type Clock, createClock } from '../clock.js';
import { DeviceWriters, type PipelineStatus } from '../capabilities.js';
import type { ComponentContext, RecordedQuery, SinkInstance } from '../component.js';
import { nameComponent } from '../component-error.js';
import type { PipelinePlan, SinkPlan, SourcePlan, TransformPlan } from '../config/plan.js';
import { type ContextParts, createComponentContext } from '../context.js';
import { FlowSignal } from '../flow.js';
import { type ComponentMetrics, MetricsRegistry } from '../metrics.js';
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
  /** The sink drivers downstream of each source, found at the first durability request. */
  private readonly downstream = new Map<string, SinkDriver[]>();
  private readonly subscriptions: Subscription[] = [];
  /** The writers that writable sources offer, for the sinks that declared they write to them. */
  private readonly devices = new DeviceWriters();
  /** What sinks that declare `capabilities.status` read. */
  private readonly status: PipelineStatus;
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
    const metrics = this.metrics;
    this.status = { startedAtMs: metrics.startedAtMs, snapshot: () => metrics.snapshot() };
  }

  /** True once a component has failed (the run is ending). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Builds the graph, starts the sources and resolves when every sink has closed. */
  async run(): Promise<RunResult> {
    if (this.started) throw new Error('runner: run() called twice');
    this.started = true;
    const sinks: { plan: SinkPlan; sink: SinkInstance }[] = [];
    try {
      for (const source of this.plan.sources) building(source.id, () => this.buildSource(source));
      for (const transform of this.plan.transforms) this.buildTransform(transform);
      for (const plan of this.plan.sinks) {
        const context = this.context(plan.id, 'sink', plan.definition.type, {
          ...(plan.definition.capabilities?.status ? { status: this.status } : {}),
          ...(plan.writesTo !== undefined ? { device: this.devices.link(plan.writesTo) } : {}),
          inputs: plan.inputs,
        });
        sinks.push({ plan, sink: await building(plan.id, () => plan.definition.create(plan.options as never, context)) });
      }
    } catch (error) {
      // A sink that failed to start: close the ones already open so no file is left half-made.
      await Promise.allSettled(sinks.map((s) => s.sink.close()));
      throw nameComponent('pipeline', error);
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

  private buildSource(source: SourcePlan): void {
    const flow = new FlowSignal();
    this.flows.set(source.id, flow);
    const context = this.context(source.id, 'source', source.definition.type, {
      flow,
      durable: () => this.durableDownstreamOf(source.id),
      recorded: (query) => this.recordedDownstreamOf(source.id, query),
      ...(source.definition.capabilities?.writable ? { offerWriter: (writer) => this.devices.offer(source.id, writer) } : {}),
    });
    const output = source.definition.create(source.options as never, context).pipe(
      countBetween(context.metrics, undefined),
      catchError((error) => throwError(() => nameComponent(source.id, error))),
    );
    const shared = connectable(output, { connector: () => new Subject<Batch>(), resetOnDisconnect: false });
    this.sourceConnectables.push(shared);
    this.ports.set(source.id, shared);
  }

  private buildTransform(transform: TransformPlan): void {
    let stream: Observable<Batch> = merge(...transform.inputs.map((input) => this.ports.get(input)!));
    const sides: Subject<Batch>[] = [];
    const sideSubjects = new Map<string, Subject<Batch>>();
    let previous: ComponentMetrics | undefined;
    for (const step of transform.steps) {
      const stepSides = new Map<string, (batch: Batch) => void>();
      for (const name of Object.keys(step.sideOutputs)) {
        // Steps that name the same dead-letter output share it (validation allows nothing else).
        let subject = sideSubjects.get(name);
        if (!subject) {
          subject = new Subject<Batch>();
          sideSubjects.set(name, subject);
          sides.push(subject);
          this.ports.set(`${transform.id}.${name}`, subject.asObservable());
        }
        const target = subject;
        stepSides.set(name, (batch) => target.next(batch));
      }
      const context = this.context(step.id, 'operator', step.definition.type, { outputs: stepSides });
      const operator = building(step.id, () => step.definition.create(step.options as never, context));
      stream = stream.pipe(
        countBetween(previous, context.metrics),
        operator,
        catchError((error) => throwError(() => nameComponent(step.id, error))),
      );
      previous = context.metrics;
    }
    stream = stream.pipe(countBetween(previous, undefined));
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
    // Each batch goes to the sink with the input name it came through (the live view names its streams so).
    const input = merge(...plan.inputs.map((name) => this.ports.get(name)!.pipe(map((batch) => ({ batch, name })))));
    this.subscriptions.push(
      input.subscribe({
        next: ({ batch, name }) => driver.push(batch, name),
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
    // The message is the whole story; the stack (and the wrapped error, whose message the text
    // already holds) only at debug level, so a terminal does not get a trace for a typo.
    this.options.log.error(error.message);
    this.options.log.debug({ err: error }, 'failure details');
    this.abort.abort();
  }

  /**
   * Resolves when every sink downstream of the source has made durable what reached it. Batches go
   * from a source through operators to the sink buffers synchronously, so what the source emitted
   * before the call is in those buffers, except rows an operator holds (window, downsample).
   */
  private async durableDownstreamOf(sourceId: string): Promise<void> {
    await this.flowing;
    await Promise.all(this.driversDownstreamOf(sourceId).map((d) => d.barrier()));
  }

  /**
   * The key values every durable sink downstream of the source holds from earlier runs, with the
   * fewest rows any of them holds: a value is skipped only when no durable sink would miss it.
   */
  private async recordedDownstreamOf(sourceId: string, query: RecordedQuery): Promise<ReadonlyMap<number, number>> {
    await this.flowing;
    const answers = (await Promise.all(this.driversDownstreamOf(sourceId).map((d) => d.recorded(query)))).filter((a) => a !== undefined);
    if (answers.length === 0) return new Map();
    const [first, ...rest] = answers;
    const held = new Map<number, number>();
    for (const [value, rows] of first) {
      const counts = rest.map((a) => a.get(value) ?? 0);
      const fewest = Math.min(rows, ...counts);
      if (fewest > 0) held.set(value, fewest);
    }
    return held;
  }

  private driversDownstreamOf(sourceId: string): SinkDriver[] {
    let drivers = this.downstream.get(sourceId);
    if (drivers === undefined) {
      drivers = this.plan.sinks.filter((sink) => this.sourcesUpstreamOf(sink.inputs).includes(sourceId)).map((sink) => this.drivers.get(sink.id)!);
      this.downstream.set(sourceId, drivers);
    }
    return drivers;
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

  /** A component's context: what every component gets, and what its role and declarations add (`parts`). */
  private context(id: string, role: ComponentMetrics['kind'], type: string, parts: Partial<Pick<ContextParts, 'flow' | 'outputs' | 'durable' | 'recorded' | 'inputs' | 'status' | 'offerWriter' | 'device'>> = {}): ComponentContext {
    return createComponentContext({
      flow: new FlowSignal(),
      outputs: new Map(),
      ...parts,
      id,
      role,
      type,
      registry: this.metrics,
      log: this.options.log.child({ component: id }),
      scheduler: this.options.scheduler ?? asyncScheduler,
      signal: this.abort.signal,
      clock: this.clock,
      dataDir: this.options.dataDir ?? process.cwd(),
      pipeline: { name: this.plan.name, file: this.plan.file, configText: this.plan.configText },
    });
  }
}

/** Runs one component's build step; an error it throws names the component. */
function building<T>(id: string, build: () => T): T {
  try {
    const built = build();
    if (built instanceof Promise) return built.catch((error: unknown) => Promise.reject(nameComponent(id, error))) as T;
    return built;
  } catch (error) {
    throw nameComponent(id, error);
  }
}

/**
 * Counts every batch that crosses from one component to the next, once: out of `from` and into
 * `to` (either may be absent at the ends of a chain). Sinks count what they wrote in their driver.
 */
function countBetween(from: ComponentMetrics | undefined, to: ComponentMetrics | undefined) {
  return tap((batch: Batch) => {
    const items = itemCount(batch);
    const bytes = byteSize(batch);
    from?.countOut(items, bytes);
    to?.countIn(items, bytes);
  });
}
