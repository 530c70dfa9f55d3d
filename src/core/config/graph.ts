import type { BatchKind } from '../batch.js';
import { didYouMean } from './did-you-mean.js';
import type { SinkPlan, SourcePlan, TransformPlan } from './plan.js';
import type { Report } from './zod-issues.js';

type PendingTransform = Omit<TransformPlan, 'output'>;

const HINTS: Partial<Record<`${BatchKind}->${BatchKind}`, string>> = {
  'bytes->frames': 'add a frame step before it',
  'bytes->records': 'add frame and decode steps before it',
  'frames->records': 'add a decode step before it',
};

/**
 * Checks the graph: inputs that name nothing, cycles, batch kinds that do not fit (a `crc` step fed
 * with bytes), sources nobody reads. Returns the transforms in dependency order.
 */
export function checkGraph(sources: readonly SourcePlan[], transforms: readonly PendingTransform[], sinks: readonly SinkPlan[], report: Report): TransformPlan[] | undefined {
  const byId = new Map(transforms.map((t) => [t.id, t]));
  const ports = new Map<string, BatchKind>(sources.map((s) => [s.id, s.output]));
  const portNames = () => [...sources.map((s) => s.id), ...transforms.flatMap((t) => [t.id, ...t.steps.flatMap((s) => Object.keys(s.sideOutputs).map((o) => `${t.id}.${o}`))])];
  const consumed = new Set<string>();
  let ok = true;

  const checkInput = (path: (string | number)[], input: string): boolean => {
    const owner = input.split('.')[0];
    consumed.add(owner);
    if (ports.has(owner) && !input.includes('.')) return true;
    const transform = byId.get(owner);
    if (transform) {
      const side = input.slice(owner.length + 1);
      if (!side || transform.steps.some((s) => side in s.sideOutputs)) return true;
      report(path, `"${owner}" has no output "${side}"; its outputs: ${[owner, ...transform.steps.flatMap((s) => Object.keys(s.sideOutputs).map((o) => `${owner}.${o}`))].join(', ')}`);
      return false;
    }
    report(path, `input "${input}" is not a source or transform${didYouMean(input, portNames())}; known: ${portNames().join(', ')}`);
    return false;
  };

  transforms.forEach((t) => t.inputs.forEach((input, i) => (ok = checkInput(['transforms', t.id, 'inputs', i], input) && ok)));
  sinks.forEach((s) => s.inputs.forEach((input, i) => (ok = checkInput(['sinks', s.id, 'inputs', i], input) && ok)));
  if (!ok) return undefined;

  // Depth-first topological order; a transform seen again while on the stack closes a cycle.
  const ordered: TransformPlan[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: PendingTransform, trail: string[]): void => {
    if (state.get(t.id) === 'done') return;
    if (state.get(t.id) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(t.id)), t.id];
      report(['transforms', t.id, 'inputs'], `inputs form a cycle: ${cycle.join(' -> ')}`);
      ok = false;
      return;
    }
    state.set(t.id, 'visiting');
    for (const input of t.inputs) {
      const upstream = byId.get(input.split('.')[0]);
      if (upstream) visit(upstream, [...trail, t.id]);
    }
    state.set(t.id, 'done');
    if (!ok) return;
    const finished = finishTransform(t, ports, report);
    if (finished) ordered.push(finished);
    else ok = false;
  };
  for (const t of transforms) visit(t, []);
  if (!ok) return undefined;

  for (const sink of sinks) {
    sink.inputs.forEach((input, i) => {
      const kind = ports.get(input)!;
      if (!sink.definition.input.includes(kind)) {
        report(['sinks', sink.id, 'inputs', i], `sink type "${sink.definition.type}" takes ${sink.definition.input.join(' or ')}, but "${input}" gives ${kind}`);
        ok = false;
      }
    });
  }
  for (const source of sources) {
    if (!consumed.has(source.id)) {
      report(['sources', source.id], `source "${source.id}" is not read by any transform or sink; add it to some "inputs" or remove it`);
      ok = false;
    }
  }
  return ok ? ordered : undefined;
}

/** Checks the kinds along a transform's steps and registers its output ports. */
function finishTransform(t: PendingTransform, ports: Map<string, BatchKind>, report: Report): TransformPlan | undefined {
  const kinds = t.inputs.map((input) => ports.get(input)!);
  if (new Set(kinds).size > 1) {
    report(['transforms', t.id, 'inputs'], `inputs give different batch kinds (${t.inputs.map((input, i) => `${input}: ${kinds[i]}`).join(', ')}); a transform reads one kind`);
    return undefined;
  }
  let kind = kinds[0];
  let from = t.inputs.join(', ');
  for (const [index, step] of t.steps.entries()) {
    if (step.input !== kind) {
      const hint = HINTS[`${kind}->${step.input}`];
      report(['transforms', t.id, 'steps', index, 'type'], `"${step.definition.type}" takes ${step.input}, but ${from} gives ${kind}${hint ? `; ${hint}` : ''}`);
      return undefined;
    }
    kind = step.output;
    from = `step ${index} (${step.definition.type})`;
    for (const [name, sideKind] of Object.entries(step.sideOutputs)) ports.set(`${t.id}.${name}`, sideKind);
  }
  ports.set(t.id, kind);
  return { ...t, output: kind };
}
