import type { BatchKind } from '../batch.js';
import type { OperatorDefinition, SinkDefinition, SourceDefinition, WhenFull } from '../component.js';

/** A validated pipeline: every component resolved to its definition with parsed options. */
export interface PipelinePlan {
  readonly name: string;
  readonly file: string;
  readonly configText: string;
  readonly sources: readonly SourcePlan[];
  /** In dependency order: every transform comes after the transforms it reads from. */
  readonly transforms: readonly TransformPlan[];
  readonly sinks: readonly SinkPlan[];
  /** Things the loader did that a user should know (options dropped by a --set of another type). */
  readonly notes?: readonly string[];
  /** How the plan runs, for the curious (a step done inside the one before it): logged at debug level. */
  readonly details?: readonly string[];
}

export interface SourcePlan {
  readonly id: string;
  readonly definition: SourceDefinition;
  readonly options: unknown;
  readonly output: BatchKind;
}

export interface StepPlan {
  /** `transform/type`, with `#n` appended when a type repeats in one transform. */
  readonly id: string;
  readonly definition: OperatorDefinition;
  readonly options: unknown;
  readonly input: BatchKind;
  readonly output: BatchKind;
  readonly sideOutputs: Readonly<Record<string, BatchKind>>;
}

export interface TransformPlan {
  readonly id: string;
  /** Port names: a source, a transform, or `transform.output` for a side output. */
  readonly inputs: readonly string[];
  readonly steps: readonly StepPlan[];
  readonly output: BatchKind;
}

export interface SinkPlan {
  readonly id: string;
  readonly definition: SinkDefinition;
  readonly options: unknown;
  readonly inputs: readonly string[];
  readonly whenFull: WhenFull;
  readonly maxBatches: number;
  readonly maxBytes: number;
  /** The writable source this sink sends bytes to, from the option its definition's `capabilities.writesTo` names. */
  readonly writesTo?: string;
}
