import { z } from 'zod';
import type { Batch, BatchKind } from '../batch.js';
import type { SinkDefinition, SourceDefinition } from '../component.js';
import type { PipelinePlan, SinkPlan, SourcePlan, TransformPlan } from '../config/plan.js';
import { replaySource } from './inputs.js';
import type { Port } from './ports.js';

/** What a test puts in at one place: batches to replay, or a source (the simulator) to run. */
export type Feed = { readonly batches: (source: string) => Batch[]; readonly kind: BatchKind } | { readonly source: SourcePlan };

/** The pipeline rebuilt for one test, and where each extracted output is collected. */
export interface TestPlan {
  readonly plan: PipelinePlan;
  /** Batches that reached each capture, by the port a test output names. */
  readonly captured: ReadonlyMap<string, readonly Batch[]>;
}

const noOptions = z.strictObject({});

function replayDefinition(batches: () => Batch[], kind: BatchKind): SourceDefinition {
  return { role: 'source', type: 'test_input', summary: 'Test input.', options: noOptions, output: kind, create: (_o, context) => replaySource(batches(), context) };
}

function captureDefinition(into: Batch[]): SinkDefinition {
  return {
    role: 'sink',
    type: 'test_capture',
    summary: 'Keeps what reaches it for the test to check.',
    options: noOptions,
    input: ['bytes', 'frames', 'records'],
    defaultWhenFull: 'block',
    create: () => ({ write: (batch) => void into.push(batch), close: async () => undefined }),
  };
}

/**
 * Rebuilds a plan for one test. Sources become the test's inputs (or give nothing); every sink
 * becomes a capture, so no file, port or device is opened. A transform is cut where a test inserts
 * at or extracts from a step inside it: the part before the cut becomes a transform of its own,
 * `samples~3`, and references to the side outputs of its steps follow them there.
 */
export function testPlan(plan: PipelinePlan, feeds: ReadonlyMap<Port, Feed>, extracts: readonly Port[]): TestPlan {
  // A source a test feeds keeps its id (per-stream state and the `source` of batches stay as in a run).
  const feedId = new Map<Port, string>();
  let n = 0;
  for (const port of feeds.keys()) feedId.set(port, port.role === 'source' ? port.id : `input-${++n}:${port.id}`);
  const fedSources = new Set([...feeds.keys()].filter((p) => p.role === 'source').map((p) => p.id));
  const sources: SourcePlan[] = plan.sources
    .filter((source) => !fedSources.has(source.id))
    .map((source) => ({ id: source.id, definition: replayDefinition(() => [], source.output), options: {}, output: source.output }));
  for (const [port, feed] of feeds) sources.push(sourceFor(feedId.get(port)!, feed));

  // Cuts per transform: before a step that takes an input, after a step whose output is extracted.
  const cuts = new Map<string, Set<number>>();
  const cut = (transform: TransformPlan, at: number) => {
    if (at <= 0 || at >= transform.steps.length) return;
    if (!cuts.has(transform.id)) cuts.set(transform.id, new Set());
    cuts.get(transform.id)!.add(at);
  };
  for (const port of feeds.keys()) if (port.role === 'step') cut(port.transform, port.index);
  for (const port of extracts) if (port.role === 'step') cut(port.transform, port.index + 1);

  const renamed = new Map<string, string>();
  const stepPort = new Map<string, string>();
  const segmentsOf = new Map<string, { id: string; start: number; end: number }[]>();
  for (const transform of plan.transforms) {
    const bounds = [0, ...[...(cuts.get(transform.id) ?? [])].sort((a, b) => a - b), transform.steps.length];
    const segments = bounds.slice(0, -1).map((start, j) => ({ start, end: bounds[j + 1], id: j === bounds.length - 2 ? transform.id : `${transform.id}~${bounds[j + 1]}` }));
    segmentsOf.set(transform.id, segments);
    for (const segment of segments) {
      stepPort.set(transform.steps[segment.end - 1].id, segment.id);
      for (let i = segment.start; i < segment.end; i++) {
        for (const name of Object.keys(transform.steps[i].sideOutputs)) renamed.set(`${transform.id}.${name}`, `${segment.id}.${name}`);
      }
    }
  }
  const rename = (port: string) => renamed.get(port) ?? port;

  const transforms: TransformPlan[] = [];
  for (const transform of plan.transforms) {
    const fedWhole = [...feeds.keys()].find((p) => p.role === 'transform' && p.id === transform.id);
    let previous: string | undefined;
    for (const segment of segmentsOf.get(transform.id)!) {
      const fedHere = fedWhole && segment.start === 0 ? fedWhole : [...feeds.keys()].find((p) => p.role === 'step' && p.transform.id === transform.id && p.index === segment.start);
      const inputs = fedHere ? [feedId.get(fedHere)!] : previous === undefined ? transform.inputs.map(rename) : [previous];
      const steps = transform.steps.slice(segment.start, segment.end);
      transforms.push({ id: segment.id, inputs, steps, output: steps[steps.length - 1].output });
      previous = segment.id;
    }
  }

  const captured = new Map<string, Batch[]>();
  const sinks: SinkPlan[] = plan.sinks.map((sink) => {
    const into: Batch[] = [];
    captured.set(sink.id, into);
    return captureSink(sink.id, sink.inputs.map(rename), into);
  });
  extracts.forEach((port, i) => {
    if (captured.has(port.id)) return;
    const into: Batch[] = [];
    captured.set(port.id, into);
    const from = port.role === 'step' ? stepPort.get(port.id)! : port.role === 'side' ? rename(port.id) : port.id;
    sinks.push(captureSink(`output-${i + 1}:${port.id}`, [from], into));
  });
  return { plan: { ...plan, sources, transforms, sinks }, captured };
}

function sourceFor(id: string, feed: Feed): SourcePlan {
  if ('source' in feed) return { ...feed.source, id };
  return { id, definition: replayDefinition(() => feed.batches(id), feed.kind), options: {}, output: feed.kind };
}

function captureSink(id: string, inputs: readonly string[], into: Batch[]): SinkPlan {
  return { id, definition: captureDefinition(into), options: {}, inputs, whenFull: 'block', maxBatches: 64, maxBytes: 64 * 1024 * 1024 };
}
