import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Document, isScalar, LineCounter, parseDocument } from 'yaml';
import { didYouMean } from './did-you-mean.js';
import type { Registry } from '../registry.js';
import { checkDocumentShape, firstAlias, MAX_ALIAS_COUNT, MAX_FILE_BYTES } from './document-limits.js';
import { substituteEnv } from './env.js';
import { ConfigError, type ConfigIssue, keyPath, quoted } from './errors.js';
import { locate } from './locate.js';
import { applyOverrides, parseOverride, type Override } from './overrides.js';
import type { PipelinePlan } from './plan.js';
import { SINK_COMMON_KEYS } from './pipeline-schema.js';
import { buildPlan } from './validate.js';

export interface LoadOptions {
  /** `--set key.path=value` texts, applied after the file is read. */
  readonly overrides?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** The data directory file paths must stay in; given, path options that escape it are reported. */
  readonly dataDir?: string;
}

/** Reads, substitutes, overrides and validates a pipeline file. Throws ConfigError with every problem. */
export function loadPipelineFile(file: string, registry: Registry, options: LoadOptions = {}): PipelinePlan {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) throw new ConfigError([{ file, line: 0, column: 0, key: '', message: tooLarge(size) }]);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError([{ file, line: 0, column: 0, key: '', message: reason }]);
  }
  return loadPipelineText(text, registry, { ...options, file });
}

/** As loadPipelineFile, for text already in memory (tests, `--config -`). */
export function loadPipelineText(text: string, registry: Registry, options: LoadOptions & { file?: string } = {}): PipelinePlan {
  const file = options.file ?? '<inline>';
  // Relative to the current directory when inside it; a file elsewhere keeps its own path (no ../../..).
  const relative = file === '<inline>' ? file : path.relative(process.cwd(), file);
  const displayFile = file === '<inline>' ? file : relative && !relative.startsWith('..') ? relative : file;
  const issues: ConfigIssue[] = [];
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_FILE_BYTES) throw new ConfigError([{ file: displayFile, line: 0, column: 0, key: '', message: tooLarge(bytes) }]);
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  for (const error of doc.errors) {
    const pos = error.linePos?.[0];
    issues.push({ file: displayFile, line: pos?.line ?? 0, column: pos?.col ?? 0, key: '', message: error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const shape = checkDocumentShape(doc, counter);
  for (const { fatal: _fatal, ...problem } of shape) issues.push({ file: displayFile, ...problem });
  if (shape.some((p) => p.fatal)) throw new ConfigError(issues);

  const overrides: Override[] = [];
  for (const text of options.overrides ?? []) {
    try {
      overrides.push(parseOverride(text));
    } catch (error) {
      // The message starts with the --set it is about, so that is its place.
      const [where, ...rest] = (error as Error).message.split(': ');
      issues.push({ file: '--set', line: 0, column: 0, key: where.replace(/^--set /, ''), message: rest.join(': ') });
    }
  }
  const missingEnv = substituteEnv(doc, options.env ?? process.env);
  for (const missing of missingEnv) {
    const place = locate(doc, counter, missing.path);
    issues.push({ file: displayFile, ...place, key: keyPath(missing.path), message: `environment variable ${missing.name} is not set and has no default (write \${${missing.name}:-default})` });
  }
  const original = new Document(plainValue(doc, counter, displayFile));
  const refused = overridesOfMissingComponents(original, overrides);
  for (const problem of refused) issues.push({ file: `--set ${problem.override.text}`, line: 0, column: 0, key: keyPath(problem.override.path.slice(0, 2)), message: problem.message });
  // A refused --set is not applied, so it causes no second problem (a component without a type).
  applyOverrides(doc, overrides.filter((o) => !refused.some((r) => r.override === o)));
  if (overrides.length > 0) {
    const after = checkDocumentShape(doc, counter).filter((p) => p.fatal);
    for (const problem of after) issues.push({ file: '--set', line: 0, column: 0, key: problem.key, message: problem.message });
    if (after.length > 0) throw new ConfigError(issues);
  }
  const notes = dropKeysOfReplacedTypes(doc, original, overrides, registry);

  const report = (keyParts: readonly (string | number)[], fullMessage: string) => {
    // Component messages may quote a value; a huge one must not be printed back whole.
    const message = fullMessage.length > MAX_MESSAGE_LENGTH ? `${fullMessage.slice(0, MAX_MESSAGE_LENGTH)}... (message cut at ${MAX_MESSAGE_LENGTH} characters)` : fullMessage;
    // The empty value left by an unset variable is already reported as such.
    if (missingEnv.some((m) => keyPath(m.path) === keyPath(keyParts))) return;
    const override = overrides.find((o) => startsWith(keyParts, o.path) || startsWith(o.path, keyParts));
    // A problem under a --set path is the command line's, not the file's: say so instead of a line.
    if (override && !original.hasIn(keyParts as (string | number)[])) {
      issues.push({ file: `--set ${override.text}`, line: 0, column: 0, key: keyPath(keyParts), message });
      return;
    }
    issues.push({ file: displayFile, ...locate(doc, counter, keyParts), key: keyPath(keyParts), message });
  };
  const configText = overrides.length > 0 ? doc.toString() : text;
  const defaultName = file === '<inline>' ? 'pipeline' : path.basename(file).replace(/\.ya?ml$/, '');
  const plan = buildPlan(plainValue(doc, counter, displayFile), registry, file === '<inline>' ? file : path.resolve(file), configText, report, defaultName, options.dataDir);
  if (issues.length > 0 || !plan) {
    if (issues.length === 0) issues.push({ file: displayFile, line: 0, column: 0, key: '', message: 'invalid pipeline' });
    throw new ConfigError(sortIssues(issues));
  }
  const allNotes = [...notes, ...(plan.notes ?? [])];
  return allNotes.length > 0 ? { ...plan, notes: allNotes } : plan;
}

const MAX_MESSAGE_LENGTH = 1000;

function tooLarge(bytes: number): string {
  return `the file is ${(bytes / 1024 / 1024).toFixed(1)} MiB; a pipeline file may be at most ${MAX_FILE_BYTES / 1024 / 1024} MiB`;
}

/**
 * The document as plain values. Aliases are resolved here, and each may copy a whole subtree: the
 * yaml library refuses more than MAX_ALIAS_COUNT uses (an alias bomb would expand to billions of
 * nodes), and that refusal becomes a located problem instead of a crash.
 */
function plainValue(doc: Document, counter: LineCounter, displayFile: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const alias = firstAlias(doc, counter);
    const message = /Excessive alias count/.test(error.message)
      ? `aliases (*${alias?.source ?? '...'} and others) expand to too many copies; at most ${MAX_ALIAS_COUNT} alias uses are resolved`
      : error.message;
    throw new ConfigError([{ file: displayFile, line: alias?.line ?? 0, column: alias?.column ?? 0, key: '', message }]);
  }
}

const ROLE_OF_SECTION: Record<string, 'source' | 'operator' | 'sink'> = { sources: 'source', transforms: 'operator', sinks: 'sink' };

/**
 * `--set sources.node.type=serial` swaps the simulator for hardware: the simulator's own keys
 * (device, rate, ...) mean nothing to the new type, so they are dropped instead of being reported
 * as unknown. Keys the new type knows, and keys set on the command line, are kept.
 */
function dropKeysOfReplacedTypes(doc: Document, original: Document, overrides: readonly Override[], registry: Registry): string[] {
  const notes: string[] = [];
  for (const override of overrides) {
    const path = override.path;
    if (path[path.length - 1] !== 'type' || typeof override.value !== 'string') continue;
    const role = ROLE_OF_SECTION[String(path[0])];
    const isComponent = path.length === 3 || (path.length === 5 && path[0] === 'transforms' && path[2] === 'steps');
    const before = original.getIn(path);
    const definition = role && isComponent ? registry.get(role, override.value) : undefined;
    if (!definition || before === override.value) continue;
    const parent = path.slice(0, -1);
    const known = new Set([...Object.keys(definition.options.shape), ...(role === 'sink' ? SINK_COMMON_KEYS : ['type'])]);
    const entry = doc.getIn(parent) as { items?: { key: unknown }[] } | undefined;
    // Keys read from the file are scalars; keys added by --set are plain strings.
    const keys = (entry?.items ?? []).map((item) => String(isScalar(item.key) ? item.key.value : item.key));
    for (const key of keys) {
      const setHere = overrides.some((o) => o.path.length > parent.length && keyPath(o.path.slice(0, parent.length + 1)) === keyPath([...parent, key]));
      if (known.has(key) || setHere) continue;
      doc.deleteIn([...parent, key]);
      notes.push(`${keyPath([...parent, key])} dropped: ${String(before)} option that ${override.value} does not have`);
    }
  }
  return notes;
}

const SINGULAR: Record<string, string> = { sources: 'source', transforms: 'transform', sinks: 'sink' };

/**
 * `--set sinks.lve.listen=...` with a misspelt name would quietly add a half-made component. A --set
 * may add one only together with what makes it one (its `type`; for a transform, its `inputs`).
 */
function overridesOfMissingComponents(original: Document, overrides: readonly Override[]): { override: Override; message: string }[] {
  const problems: { override: Override; message: string }[] = [];
  for (const override of overrides) {
    const [section, name] = override.path;
    if (!(String(section) in SINGULAR) || name === undefined || original.hasIn([section, name])) continue;
    const defining = section === 'transforms' ? 'inputs' : 'type';
    if (overrides.some((o) => keyPath(o.path) === keyPath([section, name, defining]))) continue;
    const sectionValue = (original.toJS() as Record<string, unknown> | null)?.[String(section)];
    const existing = sectionValue && typeof sectionValue === 'object' ? Object.keys(sectionValue) : [];
    const what = SINGULAR[String(section)];
    problems.push({
      override,
      message: `no ${what} ${quoted(String(name))}${didYouMean(String(name), existing)}; ${section}: ${existing.join(', ') || 'none'} (to add one, also set ${section}.${String(name)}.${defining})`,
    });
  }
  return problems;
}

function startsWith(path: readonly (string | number)[], prefix: readonly (string | number)[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]));
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
}
