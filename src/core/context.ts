import type { Batch } from './batch.js';
import type { ComponentContext } from './component.js';
import type { ComponentMetrics, MetricsRegistry } from './metrics.js';

/** Everything a context is made of; the runner and the standalone tools fill it differently. */
export interface ContextParts extends Pick<ComponentContext, 'id' | 'log' | 'scheduler' | 'signal' | 'clock' | 'flow' | 'dataDir' | 'pipeline' | 'inputs' | 'status' | 'offerWriter' | 'device'> {
  /** Where the component's metrics are registered (the run's, or a standalone one). */
  readonly registry: MetricsRegistry;
  readonly role: ComponentMetrics['kind'];
  /** The YAML type, for metrics. */
  readonly type: string;
  /**
   * Where each declared side output goes, by name. Read at every `emit`, so a caller may add the
   * outputs once it knows the component's options.
   */
  readonly outputs: ReadonlyMap<string, (batch: Batch) => void>;
  /** Counting a name the component does not declare throws (standalone use). */
  readonly strictMetrics?: boolean;
  /** For sources: resolves when what the source emitted so far is durable downstream (see ComponentContext). */
  readonly durable?: () => Promise<void>;
  /** For sources: what durable sinks downstream hold from earlier runs (see ComponentContext). */
  readonly recorded?: ComponentContext['recorded'];
}

/**
 * The one way a component context is made: registers the component's metrics and builds `emit`,
 * which refuses an output the component did not declare and counts each batch sent to one as
 * `emitted_<name>`.
 */
export function createComponentContext(parts: ContextParts): ComponentContext {
  const metrics = parts.registry.register(parts.id, parts.role, parts.type);
  metrics.strict = parts.strictMetrics === true;
  const { outputs } = parts;
  return {
    id: parts.id,
    log: parts.log,
    metrics,
    scheduler: parts.scheduler,
    signal: parts.signal,
    clock: parts.clock,
    flow: parts.flow,
    dataDir: parts.dataDir,
    pipeline: parts.pipeline,
    ...(parts.durable ? { durable: parts.durable } : {}),
    ...(parts.recorded ? { recorded: parts.recorded } : {}),
    ...(parts.inputs ? { inputs: parts.inputs } : {}),
    ...(parts.status ? { status: parts.status } : {}),
    ...(parts.offerWriter ? { offerWriter: parts.offerWriter } : {}),
    ...(parts.device ? { device: parts.device } : {}),
    emit(output, batch) {
      const send = outputs.get(output);
      if (send === undefined) {
        throw new Error(`component "${parts.id}" emitted to undeclared output "${output}" (declared: ${[...outputs.keys()].join(', ') || 'none'})`);
      }
      metrics.count(`emitted_${output}`, 1);
      send(batch);
    },
  };
}
