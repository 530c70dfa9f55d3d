import { statSync } from 'node:fs';
import type { BatchKind } from '../batch.js';
import { resolveKind } from '../component.js';
import { didYouMean } from '../config/did-you-mean.js';
import { quoted } from '../config/errors.js';
import { checkWithSchema, type Report } from '../config/zod-issues.js';
import { confinePath } from '../paths.js';
import type { Registry } from '../registry.js';
import { hexBytes, inputBatches, rowsBatch } from './inputs.js';
import type { Feed } from './plan.js';
import { insertKind, type Port } from './ports.js';
import { MAX_SIMULATED_FRAMES, type Condition, type PipelineTest, type TestInput } from './schema.js';

/** A test with its places found in the pipeline: ready to run. */
export interface ResolvedTest {
  readonly name: string;
  readonly feeds: ReadonlyMap<Port, Feed>;
  readonly outputs: readonly { readonly port: Port; readonly conditions: readonly Condition[] }[];
}

/**
 * Checks what of a test needs the pipeline: that `insert_at` and `extract_from` name places in it,
 * that each input is of the kind its place reads, that files exist and rows and simulator options
 * are valid. Problems go to `report` with their path inside the test; returns the resolved test
 * when there were none.
 */
export function resolveTest(test: PipelineTest, ports: ReadonlyMap<string, Port>, registry: Registry, baseDir: string, report: Report): ResolvedTest | undefined {
  let failed = false;
  const problem: Report = (path, message) => {
    failed = true;
    report(path, message);
  };
  const byPort = new Map<Port, { input: TestInput; index: number }[]>();
  test.inputs.forEach((input, index) => {
    const port = findPort(ports, input.insert_at, ['inputs', index, 'insert_at'], problem, ['source', 'transform', 'step']);
    if (!port) return;
    if (!byPort.has(port)) byPort.set(port, []);
    byPort.get(port)!.push({ input, index });
  });

  const transformsFed = new Map<string, string>();
  const feeds = new Map<Port, Feed>();
  for (const [port, inputs] of byPort) {
    const at = ['inputs', inputs[0].index];
    if (port.role === 'transform' || port.role === 'step') {
      const other = transformsFed.get(port.transform.id);
      if (other !== undefined) problem([...at, 'insert_at'], `${quoted(port.id)} and ${quoted(other)} are both in transform "${port.transform.id}"; a test inserts at one place per transform`);
      transformsFed.set(port.transform.id, port.id);
    }
    const feed = feedFor(port, inputs, registry, baseDir, problem);
    if (feed) feeds.set(port, feed);
  }

  const outputs: ResolvedTest['outputs'][number][] = [];
  test.outputs.forEach((output, index) => {
    const port = findPort(ports, output.extract_from, ['outputs', index, 'extract_from'], problem, ['source', 'transform', 'step', 'side', 'sink']);
    if (port) outputs.push({ port, conditions: output.conditions });
  });
  return failed ? undefined : { name: test.name, feeds, outputs };
}

function findPort(ports: ReadonlyMap<string, Port>, id: string, path: (string | number)[], report: Report, roles: readonly Port['role'][]): Port | undefined {
  const port = ports.get(id);
  const names = [...ports.values()].filter((p) => roles.includes(p.role)).map((p) => p.id);
  if (!port) {
    // A crc step right after frame runs inside it (see absorbNext): its place is the frame step.
    const absorbed = /^(.+)\/crc(#\d+)?$/.exec(id);
    const frame = absorbed && ports.has(`${absorbed[1]}/frame`) ? `; the crc check runs inside ${absorbed[1]}/frame here: use that` : '';
    report(path, `${quoted(id)} is not in the pipeline${frame || didYouMean(id, names)}; places: ${names.join(', ')}`);
    return undefined;
  }
  if (!roles.includes(port.role)) {
    report(path, `${quoted(id)} is a ${port.role === 'side' ? 'side output' : port.role}; an input goes in at a source, a transform or a step`);
    return undefined;
  }
  return port;
}

/** The one feed of a place: a simulator alone, or hex, file and rows inputs replayed in order. */
function feedFor(port: Port, inputs: readonly { input: TestInput; index: number }[], registry: Registry, baseDir: string, report: Report): Feed | undefined {
  const want = insertKind(port)!;
  const simulated = inputs.find(({ input }) => input.simulator !== undefined);
  if (simulated && inputs.length > 1) {
    report(['inputs', inputs[1].index], `${quoted(port.id)} already gets the simulator of inputs[${simulated.index}]; a simulator input is the only one at its place`);
    return undefined;
  }
  if (simulated) return simulatorFeed(port, want, simulated.input.simulator!, ['inputs', simulated.index, 'simulator'], registry, report);
  let ok = true;
  for (const { input, index } of inputs) {
    const given: BatchKind = input.rows ? 'records' : 'bytes';
    const fits = input.rows ? want === 'records' : want === 'bytes' || want === 'frames';
    if (!fits) {
      ok = false;
      const key = input.rows ? 'rows' : input.hex !== undefined ? 'hex' : 'file';
      report(['inputs', index, key], `${quoted(port.id)} reads ${want}, and ${key} gives ${given}; give ${want === 'records' ? 'rows' : 'hex or file'}`);
      continue;
    }
    if (input.file !== undefined) ok = checkFile(baseDir, input.file, ['inputs', index, 'file'], report) && ok;
    if (input.rows) {
      try {
        rowsBatch(input.rows, input.types ?? {}, 'check', input.time);
      } catch (error) {
        ok = false;
        report(['inputs', index, 'rows'], (error as Error).message);
      }
    }
    if (input.hex !== undefined && want === 'frames' && (Array.isArray(input.hex) ? input.hex : [input.hex]).some((h) => hexBytes(h).length === 0)) {
      ok = false;
      report(['inputs', index, 'hex'], 'a frame needs at least one byte');
    }
  }
  if (!ok) return undefined;
  return { kind: want, batches: (source) => inputs.flatMap(({ input }) => inputBatches(input, want, source, baseDir)) };
}

function checkFile(baseDir: string, file: string, path: (string | number)[], report: Report): boolean {
  let absolute: string;
  try {
    absolute = confinePath(baseDir, file, 'file');
  } catch {
    report(path, `${quoted(file)} is outside ${baseDir}, the folder of the test file; test inputs are read from below it`);
    return false;
  }
  try {
    if (!statSync(absolute).isFile()) throw new Error(`${quoted(file)} is not a file`);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    report(path, code === 'ENOENT' ? `${quoted(file)}: file not found (paths are relative to the test file)` : (error as Error).message);
    return false;
  }
}

function simulatorFeed(port: Port, want: BatchKind, given: Record<string, unknown>, path: (string | number)[], registry: Registry, report: Report): Feed | undefined {
  const definition = registry.get('source', 'simulator');
  if (!definition) {
    report(path, 'this build has no simulator source');
    return undefined;
  }
  const options = checkWithSchema(definition.options, { rate: 'max', ...given }, path, report) as { rate: string; frames: number } | undefined;
  if (!options) return undefined;
  let ok = true;
  if (options.rate !== 'max') {
    ok = false;
    report([...path, 'rate'], 'a test runs the simulator at rate: max (realtime would wait on the clock)');
  }
  if (options.frames <= 0 || options.frames > MAX_SIMULATED_FRAMES) {
    ok = false;
    report([...path, 'frames'], `a test needs a fixed number of frames, 1 to ${MAX_SIMULATED_FRAMES} (got ${options.frames || 'none'})`);
  }
  const output = resolveKind(definition.output, options);
  if (output !== want) {
    ok = false;
    report(path, `${quoted(port.id)} reads ${want}, and this simulator gives ${output}`);
  }
  return ok ? { source: { id: port.id, definition, options, output } } : undefined;
}
