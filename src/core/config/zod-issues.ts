import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import { quoted } from './errors.js';

export type Report = (path: readonly (string | number)[], message: string) => void;

/**
 * Validates a value with a zod schema and reports every issue at its key path, with "did you mean"
 * for unknown keys. Returns the parsed value, or undefined when there were issues.
 */
export function checkWithSchema<T extends z.ZodType>(schema: T, value: unknown, basePath: readonly (string | number)[], report: Report, extraKeys: readonly string[] = []): z.output<T> | undefined {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  // A misspelt key is reported once, as unknown with "did you mean": not again as the key it meant being missing.
  const meant = new Set<string>();
  for (const issue of result.error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const known = keysAt(schema, issue.path as (string | number)[]);
    for (const key of issue.keys) {
      const guess = /did you mean "([^"]+)"/.exec(didYouMean(key, known))?.[1];
      if (guess) meant.add(JSON.stringify([...issue.path, guess]));
    }
  }
  for (const issue of result.error.issues) {
    const path = [...basePath, ...(issue.path as (string | number)[])];
    if (issue.code === 'invalid_type' && meant.has(JSON.stringify(issue.path)) && /received undefined/.test(issue.message)) continue;
    if (issue.code === 'unrecognized_keys') {
      const known = [...new Set([...keysAt(schema, issue.path as (string | number)[]), ...extraKeys])];
      for (const key of issue.keys) report([...path, key], `unknown key ${quoted(key)}${didYouMean(key, known)}; known keys: ${known.join(', ')}`);
    } else {
      report(path, readableMessage(issue));
    }
  }
  return undefined;
}

/**
 * zod's own wording ("Invalid input: expected number, received undefined") in the project's: a key
 * that is absent is "missing", a wrong type says what was expected and what was given.
 */
export function readableMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    const received = /received (\w+)/.exec(issue.message)?.[1];
    const key = issue.path[issue.path.length - 1];
    if (received === 'undefined') return `missing ${typeof key === 'string' ? `key ${quoted(key)}` : 'value'} (${article(issue.expected)})`;
    if (received) return `expected ${article(issue.expected)}, got ${article(received)}`;
  }
  return issue.message.replace(/^Invalid input: /, '');
}

function article(type: string): string {
  return /^(array|object|integer)$/.test(type) ? `an ${type}` : /^(number|string|boolean|bigint|map|set|date)$/.test(type) ? `a ${type}` : type;
}

/** The keys an object schema accepts at a path inside it, looking through defaults and optionals. */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const segment of path) {
    current = unwrap(current);
    if (current instanceof z.ZodObject) current = current.shape[segment as string] as z.ZodType | undefined;
    else if (current instanceof z.ZodArray) current = current.element as z.ZodType;
    else if (current instanceof z.ZodRecord) current = current.valueType as z.ZodType;
    else return [];
  }
  current = unwrap(current);
  return current instanceof z.ZodObject ? Object.keys(current.shape) : [];
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let i = 0; i < 8 && current; i++) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else break;
  }
  return current;
}
