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
  for (const issue of result.error.issues) {
    const path = [...basePath, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      const known = [...keysAt(schema, issue.path as (string | number)[]), ...extraKeys];
      for (const key of issue.keys) report([...path, key], `unknown key ${quoted(key)}${didYouMean(key, known)}; known keys: ${known.join(', ')}`);
    } else {
      report(path, issue.message);
    }
  }
  return undefined;
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
