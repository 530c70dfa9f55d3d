import { asyncScheduler, lastValueFrom, from, toArray, type SchedulerLike } from 'rxjs';
import type { z } from 'zod';
import type { Batch } from './batch.js';
import { createClock } from './clock.js';
import type { ComponentContext, OperatorDefinition, OptionsSchema } from './component.js';
import { FlowSignal } from './flow.js';
import { silentLogger } from './log.js';
import { MetricsRegistry } from './metrics.js';

/**
 * Helpers for running one component outside a pipeline: tests, benchmarks and tools. They build the
 * same context the runner builds, with side outputs collected instead of wired.
 */
export interface StandaloneContext extends ComponentContext {
  /** Batches sent to named outputs, by output name. */
  readonly emitted: Map<string, Batch[]>;
  readonly abort: AbortController;
  readonly flowSignal: FlowSignal;
}

export function standaloneContext(
  id = 'test',
  overrides: { scheduler?: SchedulerLike; dataDir?: string; kind?: 'source' | 'operator' | 'sink'; type?: string; registry?: MetricsRegistry } = {},
): StandaloneContext {
  const registry = overrides.registry ?? new MetricsRegistry();
  const abort = new AbortController();
  const flowSignal = new FlowSignal();
  const emitted = new Map<string, Batch[]>();
  return {
    id,
    log: silentLogger,
    metrics: registry.register(id, overrides.kind ?? 'operator', overrides.type ?? id),
    registry,
    scheduler: overrides.scheduler ?? asyncScheduler,
    signal: abort.signal,
    clock: createClock(),
    flow: flowSignal,
    flowSignal,
    dataDir: overrides.dataDir ?? process.cwd(),
    pipeline: { name: 'test', file: '<inline>', configText: '' },
    emitted,
    abort,
    emit(output, batch) {
      const list = emitted.get(output) ?? [];
      list.push(batch);
      emitted.set(output, list);
    },
  };
}

/** Parses raw options with the definition's schema, as the runner does, and builds the operator. */
export function buildOperator<S extends OptionsSchema>(definition: OperatorDefinition<S>, rawOptions: z.input<S>, context = standaloneContext(definition.type)) {
  const options = definition.options.parse(rawOptions) as z.output<S>;
  return { operator: definition.create(options, context), context, options };
}

/** Runs an operator over a list of batches and collects everything it emits, including on completion. */
export async function runOperator<S extends OptionsSchema>(
  definition: OperatorDefinition<S>,
  rawOptions: z.input<S>,
  batches: readonly Batch[],
  context = standaloneContext(definition.type),
): Promise<{ output: Batch[]; context: StandaloneContext }> {
  const { operator } = buildOperator(definition, rawOptions, context);
  const output = await lastValueFrom(from(batches).pipe(operator, toArray()));
  return { output, context };
}
