import type { Field } from '../../core/batch.js';
import { type Node, columnsOf, parseExpression } from '../../core/expression/index.js';
import { sqlColumnType } from './column-types.js';

/**
 * Columns a reader can recompute instead of reading them from the file. A testbed stores the raw
 * ADC codes and the calibration, not float64 copies of raw x gain: those are as large as the raw
 * columns and compress far worse (noise in every mantissa bit). With `derived: metadata` a recording
 * leaves out every non-time column `derive` computed from columns the file keeps, and writes their
 * expressions as DuckDB SQL into the file's metadata (`recording.derived`, `recording.derived_sql`),
 * so one query gives them back exactly as the pipeline computed them (float64 arithmetic).
 */
export interface DerivedColumn {
  readonly name: string;
  /** The derive expression, in the pipeline's grammar. */
  readonly expression: string;
  /** The same as a DuckDB expression over the file's columns (and earlier derived ones). */
  readonly sql: string;
  /** The type the pipeline gave it (FLOAT, DOUBLE, ...). */
  readonly type: string;
  readonly unit?: string;
  readonly calibration?: Field['calibration'];
}

/**
 * Splits the fields of a recording into those stored and those left to the reader. A derived column
 * is left out when every column its expression reads is stored or left out before it (readers
 * evaluate in order), and it is not a time column, a partition column, or one that replaced a column
 * it reads.
 */
export function splitDerived(fields: readonly Field[], partitionBy: readonly string[]): { stored: Field[]; derived: DerivedColumn[] } {
  const names = new Set(fields.map((f) => f.name));
  const available = new Set(fields.filter((f) => f.expression === undefined).map((f) => f.name));
  const stored: Field[] = [];
  const derived: DerivedColumn[] = [];
  for (const field of fields) {
    const reads = field.expression === undefined || field.time !== undefined || partitionBy.includes(field.name) ? undefined : columnsOf(parseExpression(field.expression));
    const computable = reads !== undefined && reads.every((c) => c !== field.name && names.has(c) && available.has(c) && !partitionBy.includes(c));
    if (!computable) {
      stored.push(field);
      available.add(field.name);
      continue;
    }
    const sql = castTo(expressionSql(parseExpression(field.expression!)), field);
    derived.push({ name: field.name, expression: field.expression!, sql, type: sqlColumnType(field), ...(field.unit ? { unit: field.unit } : {}), ...(field.calibration ? { calibration: field.calibration } : {}) });
    available.add(field.name);
  }
  return { stored, derived };
}

/** `SELECT` list that gives a recording's columns plus its derived ones: `*, <sql> AS "name", ...`. */
export function derivedSelectSql(derived: readonly DerivedColumn[]): string {
  return ['*', ...derived.map((d) => `${d.sql} AS ${ident(d.name)}`)].join(', ');
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The pipeline converts float64 results to the column's type; the SQL does the same. */
function castTo(sql: string, field: Field): string {
  if (field.type === 'f64') return sql;
  return `(${sql})::${sqlColumnType(field)}`;
}

/**
 * A derive expression as DuckDB SQL with the same meaning: every column read as DOUBLE (the
 * pipeline computes in float64, and integer SQL arithmetic could overflow where float64 does not),
 * comparisons and logic as 1 or 0, min/max as least/greatest, round as half up like Math.round.
 */
export function expressionSql(node: Node): string {
  switch (node.type) {
    case 'number':
      return Number.isFinite(node.value) ? `${node.value}::DOUBLE` : `'${node.value}'::DOUBLE`;
    case 'column':
      return `${ident(node.name)}::DOUBLE`;
    case 'unary':
      return node.op === '-' ? `(-${expressionSql(node.arg)})` : `(CASE WHEN ${expressionSql(node.arg)} = 0 THEN 1 ELSE 0 END)::DOUBLE`;
    case 'binary': {
      const a = expressionSql(node.left);
      const b = expressionSql(node.right);
      switch (node.op) {
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
          return `(${a} ${node.op} ${b})`;
        case '==':
          return `(CASE WHEN ${a} = ${b} THEN 1 ELSE 0 END)::DOUBLE`;
        case '!=':
          return `(CASE WHEN ${a} <> ${b} THEN 1 ELSE 0 END)::DOUBLE`;
        case '&&':
          return `(CASE WHEN ${a} <> 0 AND ${b} <> 0 THEN 1 ELSE 0 END)::DOUBLE`;
        case '||':
          return `(CASE WHEN ${a} <> 0 OR ${b} <> 0 THEN 1 ELSE 0 END)::DOUBLE`;
        default:
          return `(CASE WHEN ${a} ${node.op} ${b} THEN 1 ELSE 0 END)::DOUBLE`;
      }
    }
    case 'call': {
      const args = node.args.map(expressionSql);
      if (node.fn === 'min') return `least(${args.join(', ')})`;
      if (node.fn === 'max') return `greatest(${args.join(', ')})`;
      if (node.fn === 'round') return `floor(${args[0]} + 0.5)`;
      return `${node.fn}(${args[0]})`;
    }
  }
}
