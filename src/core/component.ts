import type { Logger } from 'pino';
import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs';
import type { z } from 'zod';
import type { Batch, BatchKind, Field } from './batch.js';
import type { DeviceLink, DeviceWriter, PipelineStatus, SinkCapabilities, SourceCapabilities } from './capabilities.js';
import type { Clock } from './clock.js';
import type { WhenFull } from './config/pipeline-schema.js';
import type { FlowControl } from './flow.js';
import type { ComponentMetrics, MetricsDeclaration } from './metrics.js';

/**
 * What every component gets from the runner. `D` is the component's metrics declaration, so its
 * `metrics` take only the names it declares.
 */
export interface ComponentContext<D extends MetricsDeclaration = MetricsDeclaration> {
  /** The component id: a source or sink name, or `transform/step` for an operator step. */
  readonly id: string;
  readonly log: Logger;
  /** This component's metrics; the runner already counts batches, items and bytes in and out. */
  readonly metrics: ComponentMetrics<D>;
  /** Time-based operators schedule through this, so tests can run them in virtual time. */
  readonly scheduler: SchedulerLike;
  /** Aborted when the pipeline stops: sources complete, long waits end. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** Pause/resume from blocking sinks downstream; sources must honor it. */
  readonly flow: FlowControl;
  /** Base directory that file paths from config are confined to. */
  readonly dataDir: string;
  readonly pipeline: PipelineInfo;
  /** For sinks: the names in the sink's `inputs`, in file order (a batch's `input` in `write` is one of them). */
  readonly inputs?: readonly string[];
  /**
   * Sends a batch to one of the operator's named outputs (see `outputs` in defineOperator), e.g. a
   * dead-letter output or a route branch. Throws for a name the operator did not declare.
   */
  emit(output: string, batch: Batch): void;
  /**
   * Resolves when everything this source emitted so far is durable in every sink downstream (written
   * to a synced journal or a closed file; shown or counted by lossy sinks). Sources that acknowledge
   * upstream (a broker) acknowledge only after it resolves; it rejects when a sink downstream failed
   * or the pipeline stopped first. It covers what has reached the sinks: rows an operator holds
   * (window, downsample) are not covered until the operator emits them. Absent where nothing tracks
   * durability (standalone components).
   */
  readonly durable?: () => Promise<void>;
  /** Every component's counters, for a component whose definition declares `capabilities: { status: true }`. */
  readonly status?: PipelineStatus;
  /**
   * For a source whose definition declares `capabilities: { writable: true }`: offers the writer that
   * sinks' bytes for the device go to (while a device is connected); returns the function that
   * withdraws it. See `offerSessionWriter` (src/core/device-writers.ts).
   */
  readonly offerWriter?: (writer: DeviceWriter) => () => void;
  /** For a sink whose definition declares `capabilities: { writesTo }`: the link to that source's device. */
  readonly device?: DeviceLink;
  /**
   * For sources that resume from a broker after a crash: the values of `column` between `from` and
   * `to` (inclusive) that every durable sink downstream already holds from an earlier run, each with
   * the fewest rows any of them holds. A sink that keeps data durably but cannot tell what it holds
   * makes the answer empty (a redelivery is then written again rather than lost). Absent where nothing
   * tracks durability.
   */
  readonly recorded?: (query: RecordedQuery) => Promise<ReadonlyMap<number, number>>;
}

/** Which values of a key column a source asks the sinks about (see ComponentContext.recorded). */
export interface RecordedQuery {
  readonly column: string;
  readonly from: number;
  readonly to: number;
}

/** How a sink's run ends: `aborted` when the pipeline failed and queued batches were discarded. */
export interface SinkEnding {
  readonly aborted: boolean;
}

export interface PipelineInfo {
  readonly name: string;
  /** Absolute path of the pipeline file, or "<inline>". */
  readonly file: string;
  /** The pipeline file's text after overrides, stored inside recordings. */
  readonly configText: string;
}

/** How kinds are declared: fixed, or depending on the component's options. */
export type KindSpec<O> = BatchKind | ((options: O) => BatchKind);

/** A strict zod object; every field carries a description and an example (checked by a test). */
export type OptionsSchema = z.ZodObject<z.ZodRawShape>;

interface DefinitionBase<S extends OptionsSchema, D extends MetricsDeclaration> {
  /** The YAML `type` name, snake_case. */
  readonly type: string;
  /** One line for `pipeline list` and the generated reference. */
  readonly summary: string;
  readonly options: S;
  /**
   * The error reasons, counters and gauges this component counts itself, each with its unit
   * (`{ errors: { crc: 'frames' } }`); the engine's own are in ENGINE_METRICS. A test checks that
   * every name counted in the component's code is declared here, and `context.metrics` in `create`
   * takes only these names (a type error otherwise; a thrown error in a standalone context).
   */
  readonly metrics?: D;
  /**
   * Whole pipeline files that use the component, shown in the reference and by `pipeline list
   * TYPE`; a test validates each one in full. Every component has at least one.
   */
  readonly examples?: readonly PipelineExample[];
  /** Options that name a file (or a file name template) below the data directory; `validate` refuses escapes. */
  readonly dataPaths?: readonly (keyof z.input<S> & string)[];
}

/** A complete pipeline file showing a component in use. */
export interface PipelineExample {
  /** One line saying what the example shows. */
  readonly title: string;
  readonly yaml: string;
}

export interface SourceDefinition<S extends OptionsSchema = OptionsSchema, D extends MetricsDeclaration = MetricsDeclaration> extends DefinitionBase<S, D> {
  readonly role: 'source';
  readonly output: KindSpec<z.output<S>>;
  /** What the source offers the pipeline (a writer for its device). */
  readonly capabilities?: SourceCapabilities;
  /** An Observable of batches that completes when `context.signal` aborts and honors `context.flow`. */
  create(options: z.output<S>, context: ComponentContext<D>): Observable<Batch>;
}

export interface OperatorDefinition<S extends OptionsSchema = OptionsSchema, D extends MetricsDeclaration = MetricsDeclaration> extends DefinitionBase<S, D> {
  readonly role: 'operator';
  readonly input: KindSpec<z.output<S>>;
  readonly output: KindSpec<z.output<S>>;
  /** Named side outputs (dead letters, route branches), addressable as `transform.name`. */
  readonly outputs?: (options: z.output<S>) => Record<string, BatchKind>;
  /**
   * Lets a step take over the step after it when doing both in one pass is better, e.g. `frame`
   * followed by `crc` resyncs with the CRC so fake start bytes never cost a good frame. Gets both
   * steps' options as written (without `type`) and returns this step's new options, or undefined.
   */
  readonly absorbNext?: (own: Record<string, unknown>, nextType: string, next: Record<string, unknown>) => Record<string, unknown> | undefined;
  /**
   * Declares the columns this step gives for the columns it takes, so `pipeline validate` finds a
   * misspelt column before `run` does. `input` is undefined when the columns are not known before the
   * data arrives. Reports every column the options name that `input` lacks through `problem`, with the
   * key path inside the step's options; returns the output columns, or undefined when unknown.
   */
  readonly schema?: (options: z.output<S>, input: readonly Field[] | undefined, problem: SchemaProblem) => readonly Field[] | undefined;
  /**
   * Maps batches of the input kind to batches of the output kind. Must not mutate input batches;
   * flushes partial state when the input completes.
   */
  create(options: z.output<S>, context: ComponentContext<D>): OperatorFunction<Batch, Batch>;
}

/** Reports a problem with one option of a step: its key path inside the step, and what is wrong. */
export type SchemaProblem = (path: readonly (string | number)[], message: string) => void;

/** The buffer policies of a sink, from the schema of the keys every sink has. */
export type { WhenFull };

export interface SinkInstance {
  /**
   * Resolves when the batch is handled; the runner sends the next batch only after that. `input` is the
   * name in the sink's `inputs` the batch arrived on (a transform or source id; absent in standalone use).
   */
  write(batch: Batch, input?: string): Promise<void> | void;
  /**
   * Makes everything written so far durable (a synced journal, a closed file); resolves when it is.
   * Never called during a write. Sinks without it count as durable once a write resolves.
   */
  sync?(): Promise<void>;
  /**
   * Durable sinks that can tell what they hold from earlier runs answer this (see
   * ComponentContext.recorded): value of the key column -> rows held.
   */
  recorded?(query: RecordedQuery): Promise<ReadonlyMap<number, number>>;
  /** Flushes and releases everything; called once, after the last write. */
  close(ending?: SinkEnding): Promise<void>;
}

export interface SinkDefinition<S extends OptionsSchema = OptionsSchema, D extends MetricsDeclaration = MetricsDeclaration> extends DefinitionBase<S, D> {
  readonly role: 'sink';
  /** Kinds the sink accepts. */
  readonly input: readonly BatchKind[];
  /** The buffer policy used when the pipeline file does not set `when_full`. */
  readonly defaultWhenFull: WhenFull;
  /** What the sink needs from the pipeline: its status, or a source's device to write to. */
  readonly capabilities?: SinkCapabilities<keyof z.input<S> & string>;
  create(options: z.output<S>, context: ComponentContext<D>): SinkInstance | Promise<SinkInstance>;
}

export type ComponentDefinition = SourceDefinition | OperatorDefinition | SinkDefinition;

/** Declares no metrics of its own: a component that counts nothing itself. */
type None = Record<never, never>;

export function defineSource<S extends OptionsSchema, D extends MetricsDeclaration = None>(def: Omit<SourceDefinition<S, D>, 'role'>): SourceDefinition<S, D> {
  return Object.freeze({ ...def, role: 'source' as const, create: withDeclaredMetrics(def) });
}

export function defineOperator<S extends OptionsSchema, D extends MetricsDeclaration = None>(def: Omit<OperatorDefinition<S, D>, 'role'>): OperatorDefinition<S, D> {
  return Object.freeze({ ...def, role: 'operator' as const, create: withDeclaredMetrics(def) });
}

export function defineSink<S extends OptionsSchema, D extends MetricsDeclaration = None>(def: Omit<SinkDefinition<S, D>, 'role'>): SinkDefinition<S, D> {
  return Object.freeze({ ...def, role: 'sink' as const, create: withDeclaredMetrics(def) });
}

/** `create`, first handing the component's metrics declaration to its metrics (checked in standalone use). */
function withDeclaredMetrics<A extends unknown[], C extends { metrics: { declare(d: MetricsDeclaration): void } }, R>(def: { metrics?: MetricsDeclaration; create(options: A[0], context: C): R }) {
  const declaration = def.metrics ?? {};
  return (options: A[0], context: C): R => {
    context.metrics.declare(declaration);
    return def.create(options, context);
  };
}

export function resolveKind<O>(spec: KindSpec<O>, options: O): BatchKind {
  return typeof spec === 'function' ? spec(options) : spec;
}
