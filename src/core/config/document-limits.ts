import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { keyPath } from './errors.js';

/**
 * Limits on the shape of a pipeline file, checked on the parsed YAML before anything walks it
 * recursively: a file controls how deep it nests and how often aliases repeat a subtree, and
 * either could exhaust the stack or the memory of the loader long before validation says a word.
 */

/** Pipeline files are small; a limit keeps a stray multi-megabyte file (or value) out of memory. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** The deepest real option sits about 8 levels down (transforms.t.steps[0].fields[0]...). */
export const MAX_DEPTH = 32;
/** Alias uses the loader resolves; each may copy a whole subtree, so the expansion is bounded too. */
export const MAX_ALIAS_COUNT = 100;
/** Keys that would change an object's prototype when the file is turned into plain objects. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__']);

export interface DocumentProblem {
  readonly line: number;
  readonly column: number;
  readonly key: string;
  readonly message: string;
  /** The document cannot be turned into plain values safely: stop before doing so. */
  readonly fatal?: boolean;
}

/**
 * Walks the document without recursion and returns the first problem of each kind: nesting
 * deeper than MAX_DEPTH, and reserved keys (a `__proto__:` entry vanishes from the plain object
 * instead of being reported as unknown).
 */
export function checkDocumentShape(doc: Document, counter: LineCounter): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const at = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    if (offset === undefined) return { line: 0, column: 0 };
    const pos = counter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  let tooDeep = false;
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: doc.contents, path: [] }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (path.length > MAX_DEPTH) {
      if (!tooDeep) problems.push({ ...at(node as Node), key: keyPath(path.slice(0, 4)) + (path.length > 4 ? '...' : ''), message: `the file nests more than ${MAX_DEPTH} levels deep; a pipeline file needs far fewer`, fatal: true });
      tooDeep = true;
      continue;
    }
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = isScalar(item.key) ? String(item.key.value) : '?';
        if (RESERVED_KEYS.has(key)) problems.push({ ...at(item.key as Node), key: keyPath([...path, key]), message: `"${key}" is not allowed as a key` });
        stack.push({ node: item.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => stack.push({ node: item, path: [...path, index] }));
    }
  }
  return problems;
}

/** Where the first alias (`*name`) of the document is, to place an alias-count error. */
export function firstAlias(doc: Document, counter: LineCounter): { line: number; column: number; source: string } | undefined {
  const stack: unknown[] = [doc.contents];
  let best: { offset: number; source: string } | undefined;
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? Infinity;
      if (!best || offset < best.offset) best = { offset, source: node.source };
    } else if (isMap(node)) {
      for (const item of node.items) if (isPair(item)) stack.push(item.value);
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
  if (!best || !Number.isFinite(best.offset)) return undefined;
  const pos = counter.linePos(best.offset);
  return { line: pos.line, column: pos.col, source: best.source };
}
