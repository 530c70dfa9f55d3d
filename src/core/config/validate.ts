import { z } from 'zod';
import type { BatchKind } from '../batch.js';
import { resolveKind, type WhenFull } from '../component.js';
import type { Registry } from '../registry.js';
import { checkWritesTo } from './capabilities.js';
import { checkDataPaths } from './data-paths.js';
import { didYouMean } from './did-you-mean.js';
import { quoted } from './errors.js';
import { checkGraph, type Consumer } from './graph.js';
import { MAX_NAME_LENGTH, NAME, SINK_COMMON_KEYS, sinkCommon, topLevel, transformShape } from './pipeline-schema.js';
import { checkColumns } from './schemas.js';
import type { PipelinePlan, SinkPlan, SourcePlan, StepPlan, TransformPlan } from './plan.js';
import { checkWithSchema, type Report } from './zod-issues.js';

/**
 * Checks a parsed pipeline file against the registry and builds the plan. Every problem is reported
 * through `report`; the plan is returned only when there were none.
 */
export function buildPlan(raw: unknown, registry: Registry, file: string, configText: string, report: Report, defaultName: string, dataDir?: string): PipelinePlan | undefined {
  let failed = false;
  const notes: string[] = [];
  const details: string[] = [];
  const note: Report = (path, message) => {
    failed = true;
    report(path, message);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const what = raw === null || raw === undefined ? 'empty' : Array.isArray(raw) ? 'a list' : `a ${typeof raw}`;
    note([], `the file is ${what}; a pipeline file is a mapping with sources, transforms and sinks`);
    return undefined;
  }
  // The name and description are checked on their own, so a bad name does not hide the other problems.
  const top = checkWithSchema(topLevel.extend({ name: z.unknown().optional(), description: z.unknown().optional() }), raw, [], note);
  if (!top) return undefined;
  const name = checkWithSchema(topLevel.shape.name, top.name, ['name'], note);
  checkWithSchema(topLevel.shape.description, top.description, ['description'], note);

  const sources: SourcePlan[] = [];
  for (const [id, value] of Object.entries(top.sources)) {
    checkId('sources', id, note);
    const component = resolveComponent(registry, 'source', value, ['sources', id], note);
    if (!component) continue;
    const options = checkWithSchema(component.definition.options, component.rest, ['sources', id], note, ['type']);
    if (options === undefined) continue;
    if (dataDir !== undefined) checkDataPaths(component.definition, options, ['sources', id], dataDir, note);
    sources.push({ id, definition: component.definition, options, output: resolveKind(component.definition.output, options) });
  }

  const transforms: Omit<TransformPlan, 'output'>[] = [];
  for (const [id, value] of Object.entries(top.transforms)) {
    checkId('transforms', id, note);
    const shape = checkWithSchema(transformShape, value, ['transforms', id], note);
    if (!shape) continue;
    const steps = shape.steps.map((step, index) => buildStep(registry, id, step, index, shape.steps, note, dataDir));
    if (!steps.every((s): s is StepPlan => s !== undefined)) continue;
    checkSideOutputNames(id, steps, note);
    transforms.push({ id, inputs: shape.inputs, steps: absorbSteps(steps, shape.steps, details) });
  }

  const sinks: SinkPlan[] = [];
  for (const [id, value] of Object.entries(top.sinks)) {
    checkId('sinks', id, note);
    const component = resolveComponent(registry, 'sink', value, ['sinks', id], note);
    if (!component) continue;
    const common = checkWithSchema(sinkCommon, value, ['sinks', id], note);
    const rest = { ...component.rest };
    for (const key of SINK_COMMON_KEYS) delete rest[key];
    const options = checkWithSchema(component.definition.options, rest, ['sinks', id], note, SINK_COMMON_KEYS);
    if (!common || options === undefined) continue;
    if (dataDir !== undefined) checkDataPaths(component.definition, options, ['sinks', id], dataDir, note);
    const whenFull: WhenFull = common.when_full ?? component.definition.defaultWhenFull;
    const otherIds = [...Object.keys(top.transforms), ...Object.keys(top.sinks)];
    const writesTo = checkWritesTo(id, component.definition, options, sources, Object.keys(top.sources), otherIds, registry, note);
    sinks.push({ id, definition: component.definition, options, inputs: common.inputs, whenFull, maxBatches: common.buffer.max_batches, maxBytes: common.buffer.max_bytes, ...(writesTo !== undefined ? { writesTo } : {}) });
  }

  const idsInUse = [...Object.keys(top.sources), ...Object.keys(top.transforms), ...Object.keys(top.sinks)];
  const duplicates = idsInUse.filter((id, i) => idsInUse.indexOf(id) !== i);
  for (const id of new Set(duplicates)) note([], `the name "${id}" is used by more than one component; names must be unique across sources, transforms and sinks`);
  if (Object.keys(top.sinks).length === 0) note(['sinks'], 'a pipeline needs at least one sink');
  const consumers: Consumer[] = [
    ...Object.entries(top.transforms).map(([id, value]) => ({ path: ['transforms', id], inputs: inputsOf(value) })),
    ...Object.entries(top.sinks).map(([id, value]) => ({ path: ['sinks', id], inputs: inputsOf(value) })),
  ];
  const ordered = checkGraph(sources, transforms, sinks, new Set(idsInUse), consumers, note);
  checkColumns(ordered, top.transforms, note);
  if (failed) return undefined;
  return { name: name ?? defaultName, file, configText, sources, transforms: ordered, sinks, ...(notes.length > 0 ? { notes } : {}), ...(details.length > 0 ? { details } : {}) };
}

function checkId(section: string, id: string, report: Report): void {
  if (id.length > MAX_NAME_LENGTH) report([section, id], `${quoted(id)} is too long for a name: at most ${MAX_NAME_LENGTH} characters`);
  else if (!NAME.test(id)) report([section, id], `${quoted(id)} is not a valid name: use letters, digits, _ and -, starting with a letter`);
}

function resolveComponent<R extends 'source' | 'sink' | 'operator'>(registry: Registry, role: R, value: unknown, path: (string | number)[], report: Report) {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report(path, `expected a mapping with a "type" key, got ${Array.isArray(value) ? 'a list' : quoted(String(JSON.stringify(value)))}`);
    return undefined;
  }
  const { type, ...rest } = value as Record<string, unknown>;
  if (typeof type !== 'string') {
    report([...path, 'type'], `missing "type"; ${role} types: ${registry.types(role).join(', ')}`);
    return undefined;
  }
  const definition = registry.get(role, type);
  if (!definition) {
    report([...path, 'type'], `unknown ${role} type ${quoted(type)}${didYouMean(type, registry.types(role))}; ${role} types: ${registry.types(role).join(', ')}`);
    return undefined;
  }
  return { definition, rest: rest as Record<string, unknown> };
}

function buildStep(registry: Registry, transformId: string, step: unknown, index: number, all: readonly unknown[], report: Report, dataDir: string | undefined): StepPlan | undefined {
  const path = ['transforms', transformId, 'steps', index];
  const component = resolveComponent(registry, 'operator', step, path, report);
  if (!component) return undefined;
  const options = checkWithSchema(component.definition.options, component.rest, path, report, ['type']);
  if (options === undefined) return undefined;
  if (dataDir !== undefined) checkDataPaths(component.definition, options, path, dataDir, report);
  const type = component.definition.type;
  const sameTypeBefore = all.slice(0, index).filter((s) => (s as { type?: unknown })?.type === type).length;
  const id = `${transformId}/${type}${sameTypeBefore > 0 ? `#${sameTypeBefore + 1}` : ''}`;
  const sideOutputs: Record<string, BatchKind> = component.definition.outputs?.(options) ?? {};
  return { id, definition: component.definition, options, input: resolveKind(component.definition.input, options), output: resolveKind(component.definition.output, options), sideOutputs };
}

/**
 * Side outputs of one transform share its namespace (`transform.NAME`). Two steps may name the same
 * dead-letter output: both send their rejects there (same schema: reason, host time, bytes). Any other
 * repeat (a route branch and a dead letter, say) would mix different batches, so it is an error.
 */
function checkSideOutputNames(transformId: string, steps: readonly StepPlan[], report: Report): void {
  const owners = new Map<string, { index: number; deadLetter: boolean }>();
  steps.forEach((step, index) => {
    const deadLetter = (step.options as { dead_letter?: unknown }).dead_letter;
    for (const name of Object.keys(step.sideOutputs)) {
      const first = owners.get(name);
      const isDeadLetter = deadLetter === name;
      if (!first) {
        owners.set(name, { index, deadLetter: isDeadLetter });
        continue;
      }
      if (first.deadLetter && isDeadLetter) continue;
      const routes = (step.options as { routes?: Record<string, unknown> }).routes;
      const key = isDeadLetter ? ['dead_letter'] : routes?.[name] !== undefined ? ['routes', name] : ['type'];
      report(['transforms', transformId, 'steps', index, ...key], `output ${quoted(`${transformId}.${name}`)} is already declared by step ${first.index} (${steps[first.index].definition.type}); steps may share only a dead_letter output, so give this one another name`);
    }
  });
}

function inputsOf(value: unknown): unknown[] {
  const inputs = (value as { inputs?: unknown } | null)?.inputs;
  return Array.isArray(inputs) ? inputs : [];
}

/**
 * Lets a step absorb the one after it (see OperatorDefinition.absorbNext). The merged options are
 * checked by the step's schema; if they do not pass, both steps stay as written.
 */
function absorbSteps(steps: StepPlan[], raw: readonly unknown[], details: string[]): StepPlan[] {
  const result: StepPlan[] = [];
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const next = steps[i + 1];
    const { type: _own, ...own } = raw[i] as Record<string, unknown>;
    const { type: nextType, ...nextOptions } = (raw[i + 1] ?? {}) as Record<string, unknown>;
    const merged = next && step.definition.absorbNext?.(own, String(nextType), nextOptions);
    const parsed = merged ? step.definition.options.safeParse(merged) : undefined;
    if (!parsed?.success) {
      result.push(step);
      continue;
    }
    result.push({ ...step, options: parsed.data });
    details.push(`${next.id} runs inside ${step.id}: one pass, and resync uses the ${next.definition.type} check (its counts appear on ${step.id})`);
    i++;
  }
  return result;
}
