import { asyncScheduler, lastValueFrom, from, toArray, type SchedulerLike } from 'rxjs';
import type { z } from 'zod';
import type { Batch } from './batch.js';
import { DeviceWriters, type PipelineStatus } from './capabilities.js';
import { createClock } from './clock.js';
import type { ComponentContext, OperatorDefinition, OptionsSchema } from './component.js';
import { createComponentContext } from './context.js';
import { FlowSignal } from './flow.js';
import { silentLogger } from './log.js';
import { MetricsRegistry } from './metrics.js';

/**
 * Running one component outside a pipeline: `pipeline simulate`, benchmarks and tests. The context
 * comes from the same factory the runner uses, with side outputs collected instead of wired.
 */
export interface StandaloneContext extends ComponentContext {
  /** Batches sent to named outputs, by output name (an empty list for a declared output not used). */
  readonly emitted: ReadonlyMap<string, Batch[]>;
  readonly abort: AbortController;
  readonly flowSignal: FlowSignal;
  /** The metrics of this component (and of any other context sharing it); what `status` reports. */
  readonly registry: MetricsRegistry;
  /** Where a standalone source offers its device writer, by its id (see StandaloneOptions.devices). */
  readonly devices: DeviceWriters;
  /** Declares side outputs once the component's options are known (buildOperator does this). */
  declareOutputs(names: Iterable<string>): void;
}

export interface StandaloneOptions {
  scheduler?: SchedulerLike;
  dataDir?: string;
  kind?: 'source' | 'operator' | 'sink';
  type?: string;
  /** Where the component's metrics go; also what `context.status` reports. */
  registry?: MetricsRegistry;
  /**
   * The device writers that standalone sources offer theirs to and that a sink's `device` link reads;
   * share one between a source's and a sink's contexts to wire them as a pipeline would.
   */
  devices?: DeviceWriters;
  /** For a sink that declares `capabilities.writesTo`: the source it writes to (the option's value). */
  writesTo?: string;
  /** Side outputs the component may emit to; any other name throws, as in a pipeline. */
  outputs?: readonly string[];
  /** For sinks: the names in `inputs`, as the runner gives them. */
  inputs?: readonly string[];
}

export function standaloneContext(id = 'test', overrides: StandaloneOptions = {}): StandaloneContext {
  const abort = new AbortController();
  const flowSignal = new FlowSignal();
  const emitted = new Map<string, Batch[]>();
  const outputs = new Map<string, (batch: Batch) => void>();
  const declareOutputs = (names: Iterable<string>) => {
    for (const name of names) {
      if (outputs.has(name)) continue;
      const list: Batch[] = [];
      emitted.set(name, list);
      outputs.set(name, (batch) => list.push(batch));
    }
  };
  declareOutputs(overrides.outputs ?? []);
  const registry = overrides.registry ?? new MetricsRegistry();
  const devices = overrides.devices ?? new DeviceWriters();
  const role = overrides.kind ?? 'operator';
  const status: PipelineStatus = { startedAtMs: registry.startedAtMs, snapshot: () => registry.snapshot() };
  const context = createComponentContext({
    id,
    role,
    type: overrides.type ?? id,
    registry,
    strictMetrics: true,
    status,
    ...(role === 'source' ? { offerWriter: (writer) => devices.offer(id, writer) } : {}),
    ...(overrides.writesTo !== undefined ? { device: devices.link(overrides.writesTo) } : {}),
    log: silentLogger,
    scheduler: overrides.scheduler ?? asyncScheduler,
    signal: abort.signal,
    clock: createClock(),
    flow: flowSignal,
    dataDir: overrides.dataDir ?? process.cwd(),
    pipeline: { name: 'test', file: '<inline>', configText: '' },
    outputs,
    inputs: overrides.inputs,
  });
  return { ...context, emitted, abort, flowSignal, registry, devices, declareOutputs };
}

/**
 * Parses raw options with the definition's schema, as the runner does, declares the operator's side
 * outputs on the context and builds the operator.
 */
export function buildOperator<S extends OptionsSchema>(definition: OperatorDefinition<S>, rawOptions: z.input<S>, context = standaloneContext(definition.type)) {
  const options = definition.options.parse(rawOptions) as z.output<S>;
  context.declareOutputs(Object.keys(definition.outputs?.(options) ?? {}));
  return { operator: definition.create(options, context), context, options };
}

/**
 * Runs an operator over a list of batches and collects everything it emits, including on completion.
 * Throws if the operator wrote into the buffers of a batch it was given (batches do not change once
 * emitted, and typed arrays cannot be frozen, so this is where the rule is checked).
 */
export async function runOperator<S extends OptionsSchema>(
  definition: OperatorDefinition<S>,
  rawOptions: z.input<S>,
  batches: readonly Batch[],
  context = standaloneContext(definition.type),
): Promise<{ output: Batch[]; context: StandaloneContext }> {
  const { operator } = buildOperator(definition, rawOptions, context);
  const before = batches.map(contentOf);
  const output = await lastValueFrom(from(batches).pipe(operator, toArray()));
  batches.forEach((batch, index) => {
    const changed = contentOf(batch).findIndex((part, k) => !part.equals(before[index][k]));
    if (changed >= 0) throw new Error(`${definition.type} wrote into input batch ${index} (its part ${changed}); batches must not change once emitted`);
  });
  return { output, context };
}

/** Copies of every buffer and typed array a batch holds, in a fixed order. */
function contentOf(batch: Batch): Buffer[] {
  const copy = (view: ArrayBufferView) => Buffer.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  if (batch.kind === 'bytes') return [copy(batch.data)];
  if (batch.kind === 'frames') return [copy(batch.buffer), copy(batch.offsets), copy(batch.lengths), copy(batch.hostTimeNs)];
  return Object.values(batch.columns).flatMap((column) => (ArrayBuffer.isView(column) ? [copy(column)] : 'codes' in column ? [copy(column.codes)] : [copy(column.data), copy(column.offsets)]));
}
