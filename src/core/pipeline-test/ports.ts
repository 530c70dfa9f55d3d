import type { BatchKind } from '../batch.js';
import type { PipelinePlan, SinkPlan, SourcePlan, StepPlan, TransformPlan } from '../config/plan.js';

/** A place in a pipeline a test can put input in or take output from. */
export type Port =
  | { readonly role: 'source'; readonly id: string; readonly source: SourcePlan; readonly kind: BatchKind }
  | { readonly role: 'transform'; readonly id: string; readonly transform: TransformPlan; readonly kind: BatchKind }
  | { readonly role: 'step'; readonly id: string; readonly transform: TransformPlan; readonly index: number; readonly step: StepPlan; readonly kind: BatchKind }
  | { readonly role: 'side'; readonly id: string; readonly transform: TransformPlan; readonly index: number; readonly name: string; readonly kind: BatchKind }
  | { readonly role: 'sink'; readonly id: string; readonly sink: SinkPlan; readonly kind: BatchKind | undefined };

/**
 * Every addressable place of a plan: sources, transforms, steps (`samples/decode`), side outputs
 * (`samples.rejected`) and sinks. `kind` is what a test input there must be (sources, transforms,
 * steps: what the place reads or gives in its stead) or what an output there is.
 */
export function portsOf(plan: PipelinePlan): Map<string, Port> {
  const ports = new Map<string, Port>();
  for (const source of plan.sources) ports.set(source.id, { role: 'source', id: source.id, source, kind: source.output });
  for (const transform of plan.transforms) {
    ports.set(transform.id, { role: 'transform', id: transform.id, transform, kind: transform.output });
    transform.steps.forEach((step, index) => {
      ports.set(step.id, { role: 'step', id: step.id, transform, index, step, kind: step.output });
      for (const [name, kind] of Object.entries(step.sideOutputs)) ports.set(`${transform.id}.${name}`, { role: 'side', id: `${transform.id}.${name}`, transform, index, name, kind });
    });
  }
  for (const sink of plan.sinks) ports.set(sink.id, { role: 'sink', id: sink.id, sink, kind: undefined });
  for (const sink of plan.sinks) ports.set(sink.id, { role: 'sink', id: sink.id, sink, kind: ports.get(sink.inputs[0])?.kind });
  return ports;
}

/** The kind an input inserted at a port must have: a source's output, a transform's or step's input. */
export function insertKind(port: Port): BatchKind | undefined {
  if (port.role === 'source') return port.kind;
  if (port.role === 'transform') return port.transform.steps[0].input;
  if (port.role === 'step') return port.step.input;
  return undefined;
}
