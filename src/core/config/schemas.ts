import type { Field } from '../batch.js';
import type { TransformPlan } from './plan.js';
import type { Report } from './zod-issues.js';

type Columns = readonly Field[] | undefined;

/**
 * Carries record columns through every transform at validate time, so a column name that no step
 * upstream gives (a typo in derive, select, rollover...) is reported with its file, line and key
 * instead of stopping `run`. Columns start where a step declares them from its options (decode) and
 * change through the steps that declare `schema`; past a step that declares none they are unknown
 * and nothing is checked, so this never refuses a file that runs. `transforms` must be in
 * dependency order; `raw` is the file's transforms section, to point at the steps as written.
 */
export function checkColumns(transforms: readonly TransformPlan[], raw: Readonly<Record<string, unknown>>, report: Report): void {
  const ports = new Map<string, Columns>();
  for (const transform of transforms) {
    let columns = joined(transform.inputs.map((input) => ports.get(input)));
    const indices = writtenIndices(transform, raw[transform.id]);
    transform.steps.forEach((step, k) => {
      const declare = step.definition.schema;
      const at = ['transforms', transform.id, 'steps', indices[k]];
      columns = declare ? declare(step.options as never, columns, (path, message) => report([...at, ...path], message)) : undefined;
    });
    ports.set(transform.id, columns);
  }
}

/** The columns of several inputs: known only when every input gives the same column names. */
function joined(inputs: readonly Columns[]): Columns {
  const [first, ...rest] = inputs;
  if (first === undefined) return undefined;
  const names = first.map((f) => f.name).join('\0');
  return rest.every((c) => c !== undefined && c.map((f) => f.name).join('\0') === names) ? first : undefined;
}

/**
 * The index each planned step has in the file. A step that absorbed the next one (frame + crc) leaves
 * a hole, so planned steps are matched to written steps by type, in order.
 */
function writtenIndices(transform: TransformPlan, raw: unknown): number[] {
  const written = ((raw as { steps?: unknown[] } | undefined)?.steps ?? []).map((s) => (s as { type?: unknown } | null)?.type);
  const indices: number[] = [];
  let i = 0;
  for (const step of transform.steps) {
    while (i < written.length && written[i] !== step.definition.type) i++;
    indices.push(i < written.length ? i : indices.length);
    i++;
  }
  return indices;
}
