import { type Document, type LineCounter, isMap, isSeq, isScalar, type Node, isPair } from 'yaml';

export interface Place {
  line: number;
  column: number;
}

/**
 * Finds where a key path sits in a parsed YAML document: the key of the deepest existing mapping
 * entry on the path (so "unknown key" and "wrong type" both point at the line the user wrote).
 */
export function locate(doc: Document, counter: LineCounter, path: readonly (string | number)[]): Place {
  let node: unknown = doc.contents;
  let best: Node | null = (doc.contents as Node | null) ?? null;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      best = (pair.key as Node) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) break;
      best = (item as Node) ?? best;
      node = item;
    } else {
      break;
    }
  }
  const offset = best?.range?.[0];
  if (offset === undefined) return { line: 0, column: 0 };
  const pos = counter.linePos(offset);
  return { line: pos.line, column: pos.col };
}
