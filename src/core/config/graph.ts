import type { BatchKind } from '../batch.js';
import { didYouMean } from './did-you-mean.js';
import type { SinkPlan, SourcePlan, TransformPlan } from './plan.js';
import type { Report } from './zod-issues.js';
import { quoted } from './errors.js';

type PendingTransform = Omit<TransformPlan, 'output'>;

/** Inputs as written in the file, for every transform and sink, valid or not. */
export interface Consumer {
  readonly path: (string | number)[];
  readonly inputs: readonly unknown[];
}

const HINTS: Partial<Record<`${BatchKind}->${BatchKind}`, string>> = {
  'bytes->frames': 'add a frame step before it',
  'bytes->records': 'add frame and decode steps before it',
  'frames->records': 'add a decode step before it',
};

/**
 * Checks the graph: inputs that name nothing, cycles, batch kinds that do not fit (a `crc` step fed
 * with bytes), sources nobody reads. Works on a partial plan (components with errors are left out)
 * so these problems are reported together with the others; kinds are checked only where every
 * upstream component is valid. Returns the transforms in dependency order.
 */
export function checkGraph(
  sources: readonly SourcePlan[],
  transforms: readonly PendingTransform[],
  sinks: readonly SinkPlan[],
  declared: ReadonlySet<string>,
  consumers: readonly Consumer[],
  report: Report,
): TransformPlan[] {
  const byId = new Map(transforms.map((t) => [t.id, t]));
  const ports = new Map<string, BatchKind>(sources.map((s) => [s.id, s.output]));
  const sideOutputNames = transforms.flatMap((t) => t.steps.flatMap((s) => Object.keys(s.sideOutputs).map((o) => `${t.id}.${o}`)));
  const known = [...declared, ...sideOutputNames];
  const consumed = new Set<string>();

  for (const consumer of consumers) {
    consumer.inputs.forEach((input, i) => {
      if (typeof input !== 'string') return;
      const owner = input.split('.')[0];
      consumed.add(owner);
      const path = [...consumer.path, 'inputs', i];
      if (consumer.path[0] === 'transforms' && consumer.path[1] === owner) {
        report(path, `transform "${owner}" reads its own output; a transform reads sources or other transforms`);
        return;
      }
      if (!declared.has(owner)) {
        report(path, `input ${quoted(input)} is not a source or transform${didYouMean(input, known)}; known: ${known.join(', ')}`);
        return;
      }
      const transform = byId.get(owner);
      const side = input.slice(owner.length + 1);
      if (side && transform && !transform.steps.some((s) => side in s.sideOutputs)) {
        report(path, `"${owner}" has no output ${quoted(side)}; its outputs: ${[owner, ...sideOutputNames.filter((n) => n.startsWith(owner + '.'))].join(', ')}`);
      } else if (side && !transform && sources.some((s) => s.id === owner)) {
        report(path, `source "${owner}" has no named outputs; use "${owner}"`);
      }
    });
  }

  // Depth-first topological order; a transform seen again while on the stack closes a cycle.
  const ordered: TransformPlan[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: PendingTransform, trail: string[]): void => {
    if (state.get(t.id) === 'done') return;
    if (state.get(t.id) === 'visiting') {
      report(['transforms', t.id, 'inputs'], `inputs form a cycle: ${[...trail.slice(trail.indexOf(t.id)), t.id].join(' -> ')}`);
      return;
    }
    state.set(t.id, 'visiting');
    for (const input of t.inputs) {
      const upstream = byId.get(input.split('.')[0]);
      // A transform reading itself is reported with its inputs, not as a cycle.
      if (upstream && upstream !== t) visit(upstream, [...trail, t.id]);
    }
    state.set(t.id, 'done');
    const finished = finishTransform(t, ports, report);
    if (finished) ordered.push(finished);
  };
  for (const t of transforms) visit(t, []);

  for (const sink of sinks) {
    sink.inputs.forEach((input, i) => {
      const kind = ports.get(input);
      if (kind !== undefined && !sink.definition.input.includes(kind)) {
        report(['sinks', sink.id, 'inputs', i], `sink type "${sink.definition.type}" takes ${sink.definition.input.join(' or ')}, but ${quoted(input)} gives ${kind}`);
      }
    });
  }
  for (const source of sources) {
    if (!consumed.has(source.id)) report(['sources', source.id], `source "${source.id}" is not read by any transform or sink; add it to some "inputs" or remove it`);
  }
  return ordered;
}

/** Checks the kinds along a transform's steps and registers its output ports; skips unknown inputs. */
function finishTransform(t: PendingTransform, ports: Map<string, BatchKind>, report: Report): TransformPlan | undefined {
  const kinds = t.inputs.map((input) => ports.get(input));
  if (kinds.some((k) => k === undefined)) return undefined;
  if (new Set(kinds).size > 1) {
    report(['transforms', t.id, 'inputs'], `inputs give different batch kinds (${t.inputs.map((input, i) => `${input}: ${kinds[i]}`).join(', ')}); a transform reads one kind`);
    return undefined;
  }
  let kind = kinds[0]!;
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
