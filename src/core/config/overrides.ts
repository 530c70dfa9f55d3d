import { type Document, parse } from 'yaml';
import { RESERVED_KEYS } from './document-limits.js';
import { quoted } from './errors.js';

/** A `--set a.b.c=value` override from the command line. */
export interface Override {
  readonly path: (string | number)[];
  readonly value: unknown;
  readonly text: string;
}

/**
 * Parses `key.path=value`. The value is read as YAML so `921600` is a number, `true` a boolean and
 * `[1, 2]` a list; numeric path segments address list items (`transforms.samples.steps.0.type`).
 */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${quoted(text)}: expected key.path=value (example: --set sources.node.type=serial)`);
  const key = text.slice(0, eq).trim();
  if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.split('.').some((s) => s === '')) {
    throw new Error(`--set ${quoted(text)}: ${quoted(key)} is not a dotted key path (example: sources.node.path)`);
  }
  const reserved = key.split('.').find((segment) => RESERVED_KEYS.has(segment));
  if (reserved) throw new Error(`--set "${text}": "${reserved}" is not allowed as a key`);
  const path = key.split('.').map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  const raw = text.slice(eq + 1);
  let value: unknown;
  try {
    value = raw === '' ? '' : parse(raw);
  } catch {
    value = raw;
  }
  return { path, value, text };
}

export function applyOverrides(doc: Document, overrides: readonly Override[]): void {
  for (const override of overrides) doc.setIn(override.path, doc.createNode(override.value));
}
