import type { Field } from '../core/batch.js';
import type { SchemaProblem } from '../core/component.js';
import { didYouMean } from '../core/config/did-you-mean.js';

/**
 * Column checks for the `schema` declarations of operators (run by `pipeline validate`). They ask
 * what the run-time lookups in src/core/records/columns.ts ask, so a file that validates does not
 * fail at run time for a column name.
 */

export type Path = readonly (string | number)[];

function listOf(fields: readonly Field[]): string {
  return fields.map((f) => f.name).join(', ') || '(none)';
}

/** The field named `name`, or undefined after reporting that it does not exist (or is not numeric). */
export function needColumn(fields: readonly Field[], name: string, path: Path, problem: SchemaProblem, numeric = true): Field | undefined {
  const field = fields.find((f) => f.name === name);
  if (!field) {
    const names = fields.map((f) => f.name);
    problem(path, `column "${name}" does not exist${didYouMean(name, names)}; columns here: ${listOf(fields)}`);
    return undefined;
  }
  if (numeric && (field.type === 'string' || field.type === 'binary')) {
    problem(path, `column "${name}" is a ${field.type} column; a numeric column is needed`);
    return undefined;
  }
  return field;
}

/** As resolveTimeField: the column named, else the first device-time column, else the first host-time one. */
export function needTimeColumn(fields: readonly Field[], name: string | undefined, path: Path, problem: SchemaProblem): Field | undefined {
  if (name !== undefined) return needColumn(fields, name, path, problem);
  const field = fields.find((f) => f.time === 'device') ?? fields.find((f) => f.time === 'host');
  if (!field) problem(path, `no time column (a field with time: device or host); name one with the "${path[path.length - 1]}" option; columns here: ${listOf(fields)}`);
  return field;
}

/** Every column named in an expression must exist (and be numeric) among `names`. */
export function needExpressionColumns(fields: readonly Field[], columns: readonly string[], text: string, path: Path, problem: SchemaProblem): void {
  for (const name of columns) {
    const field = fields.find((f) => f.name === name);
    if (!field) problem(path, `expression "${text}": column "${name}" does not exist${didYouMean(name, fields.map((f) => f.name))}; columns here: ${listOf(fields)}`);
    else if (field.type === 'string' || field.type === 'binary') problem(path, `expression "${text}": column "${name}" is not numeric`);
  }
}

/** The fields of withColumns: changed fields replace theirs in place, new ones are appended, `remove` goes. */
export function withFields(fields: readonly Field[], changes: readonly Field[], remove: readonly string[] = []): Field[] {
  const pending = new Map(changes.map((c) => [c.name, c]));
  const out: Field[] = [];
  for (const field of fields) {
    if (remove.includes(field.name)) continue;
    const change = pending.get(field.name);
    out.push(change ?? field);
    pending.delete(field.name);
  }
  return [...out, ...pending.values()];
}
