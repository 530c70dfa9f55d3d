import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import type { PipelinePlan } from '../config/plan.js';
import { checkDocumentShape, MAX_ALIAS_COUNT, MAX_FILE_BYTES } from '../config/document-limits.js';
import { ConfigError, type ConfigIssue, keyPath } from '../config/errors.js';
import { locate } from '../config/locate.js';
import { checkWithSchema, type Report } from '../config/zod-issues.js';
import type { Registry } from '../registry.js';
import { type ResolvedTest, resolveTest } from './check.js';
import { portsOf } from './ports.js';
import { MAX_TESTS, pipelineTest, testFile } from './schema.js';

/** A test ready to run, and where it is written (for the result line). */
export interface LoadedTest extends ResolvedTest {
  /** The file it is written in (as the user named it) and the line of its list item. */
  readonly file: string;
  readonly line: number;
}

/** `pipelines/harvest.yml` -> `pipelines/harvest.test.yml`: where a pipeline's own test file sits. */
export function siblingTestFile(pipelineFile: string): string {
  return pipelineFile.replace(/\.ya?ml$/, '') + '.test.yml';
}

/**
 * The tests of a pipeline: its `tests:` block and those of its sibling `NAME.test.yml`, checked
 * against the plan. Throws ConfigError with every problem, each with file, line and key, as the
 * pipeline loader does. The plan must come from the same file (its `tests:` block was checked there
 * for shape; here what needs the pipeline is checked).
 */
export function loadPipelineTests(pipelineFile: string, plan: PipelinePlan, registry: Registry): LoadedTest[] {
  const issues: ConfigIssue[] = [];
  const ports = portsOf(plan);
  const tests: LoadedTest[] = [];
  const names = new Map<string, string>();
  // Each test that is well-formed is checked against the pipeline, also when another one is not,
  // so one run reports every problem of the file.
  const take = (file: string, doc: Document, counter: LineCounter, items: readonly unknown[]) => {
    const block = items.map((item) => pipelineTest.safeParse(item)).map((r) => (r.success ? r.data : undefined));
    const display = path.relative(process.cwd(), file) || file;
    const report = (keys: readonly (string | number)[], message: string) => issues.push({ file: display, ...locate(doc, counter, keys), key: keyPath(keys), message });
    block.forEach((test, i) => {
      if (!test) return;
      const at = ['tests', i];
      const where = `${display}:${locate(doc, counter, at).line}`;
      if (names.has(test.name)) report([...at, 'name'], `the test name ${JSON.stringify(test.name)} is used twice (also at ${names.get(test.name)})`);
      names.set(test.name, where);
      const resolved = resolveTest(test, ports, registry, path.dirname(file), (keys, message) => report([...at, ...keys], message));
      if (resolved) tests.push({ ...resolved, file: display, line: locate(doc, counter, at).line });
    });
  };

  const inline = readYaml(pipelineFile, issues);
  if (inline) {
    const raw = inline.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as { tests?: unknown } | null;
    // The shape was checked (and its problems reported) by the pipeline loader.
    if (Array.isArray(raw?.tests)) take(pipelineFile, inline.doc, inline.counter, raw.tests.slice(0, MAX_TESTS));
  }
  const sibling = siblingTestFile(pipelineFile);
  if (existsSync(sibling)) {
    const read = readYaml(sibling, issues);
    if (read) {
      const display = path.relative(process.cwd(), sibling) || sibling;
      const report: Report = (keys, message) => issues.push({ file: display, ...locate(read.doc, read.counter, keys), key: keyPath(keys), message });
      const value = read.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) report([], 'a test file is a mapping with a `tests:` list');
      else {
        checkWithSchema(testFile, value, [], report);
        const items = (value as { tests?: unknown }).tests;
        if (Array.isArray(items)) take(sibling, read.doc, read.counter, items.slice(0, MAX_TESTS));
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues.sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1)));
  return tests;
}

/** Reads and parses a YAML file with positions, within the pipeline loader's limits; problems go to `issues`. */
function readYaml(file: string, issues: ConfigIssue[]): { doc: Document; counter: LineCounter } | undefined {
  const display = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      issues.push({ file: display, line: 0, column: 0, key: '', message: `the file is ${size} bytes; at most ${MAX_FILE_BYTES / 1024 / 1024} MiB` });
      return undefined;
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    issues.push({ file: display, line: 0, column: 0, key: '', message: (error as Error).message });
    return undefined;
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  for (const error of doc.errors) {
    const pos = error.linePos?.[0];
    issues.push({ file: display, line: pos?.line ?? 0, column: pos?.col ?? 0, key: '', message: error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '') });
  }
  if (doc.errors.length > 0) return undefined;
  const shape = checkDocumentShape(doc, counter);
  for (const { fatal: _fatal, ...problem } of shape) issues.push({ file: display, ...problem });
  if (shape.length > 0) return undefined;
  try {
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    issues.push({ file: display, line: 0, column: 0, key: '', message: (error as Error).message });
    return undefined;
  }
  return { doc, counter };
}
