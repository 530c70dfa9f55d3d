import type { ColumnData, NumericColumn } from '../batch.js';
import { isBinaryColumn, isStringColumn } from '../batch.js';
import { asFloat64 } from '../records/columns.js';
import { int64ToFloat64 } from '../records/int64.js';
import { affineLoop, linearLoop, applyUnary, applyBinary, applyFunction, binaryLoop, callLoop, type Operand } from './kernels.js';
import { type Affine, affineForm, fold, sumOfScaled } from './forms.js';
import { type Node, columnsOf, parseExpression } from './parse.js';
import { ExpressionError } from './tokenize.js';

/**
 * Compiles an expression AST into a columnar evaluator: each node runs one tight loop over the whole
 * batch into a scratch Float64Array that is reused from batch to batch, so evaluating costs a few
 * passes over typed arrays and no per-record work. Constant subtrees are folded at compile time, and
 * calibration-shaped expressions (`col * gain + offset`) run as one fused loop.
 */
export interface CompiledExpression {
  readonly text: string;
  readonly ast: Node;
  /** Columns the expression reads. */
  readonly columns: readonly string[];
  /** Set when the expression is `column * gain + offset` (or a part of that form). */
  readonly affine?: Affine;
  /**
   * Evaluates over `n` rows into `out` (a new array of length n when omitted). Throws an
   * ExpressionError naming a column that is missing or not numeric.
   */
  evaluate(columns: Readonly<Record<string, ColumnData>>, n: number, out?: Float64Array): Float64Array;
}

export type { Affine } from './forms.js';

/** Parses, folds and compiles an expression; throws ExpressionError for a syntax error. */
export function compileExpression(text: string): CompiledExpression {
  const ast = fold(parseExpression(text));
  const affine = affineForm(ast);
  const columns = columnsOf(ast);
  const root = build(ast, text);
  return {
    text,
    ast,
    columns,
    affine,
    evaluate(input, n, out = new Float64Array(n)) {
      const value = root({ input, n }, out);
      if (typeof value === 'number') out.fill(value, 0, n);
      else if (value !== out) out.set(value.subarray(0, n));
      return out;
    },
  };
}

interface Env {
  readonly input: Readonly<Record<string, ColumnData>>;
  readonly n: number;
}

/** A compiled node: writes into `out` when given, else into its own scratch, and returns where the values are. */
type Evaluator = (env: Env, out?: Float64Array) => Operand;

function lookup(input: Readonly<Record<string, ColumnData>>, name: string, text: string): NumericColumn {
  const column = input[name];
  if (column === undefined) {
    throw new ExpressionError(text, `column "${name}" does not exist (columns: ${Object.keys(input).join(', ') || '(none)'})`);
  }
  if (isStringColumn(column) || isBinaryColumn(column)) throw new ExpressionError(text, `column "${name}" is not numeric`);
  return column;
}

/** A column readable as numbers: BigInt columns converted. */
function numbers(column: NumericColumn): ArrayLike<number> {
  return column instanceof BigInt64Array || column instanceof BigUint64Array ? asFloat64(column) : column;
}

/** A Float64Array of at least n elements, reused while large enough. */
function scratch(): (n: number) => Float64Array {
  let buffer = new Float64Array(0);
  return (n) => {
    if (buffer.length < n) buffer = new Float64Array(Math.max(n, buffer.length * 2));
    return buffer;
  };
}

function build(node: Node, text: string): Evaluator {
  const affine = node.type === 'column' ? undefined : affineForm(node);
  if (affine) {
    // `col * g + o` and its parts: one fused loop straight from the source column, no conversion pass.
    const temp = scratch();
    return (env, out) => {
      const src = lookup(env.input, affine.column, text);
      const target = out ?? temp(env.n);
      affineLoop(numbers(src), affine.gain, affine.offset, target, env.n);
      return target;
    };
  }
  const sum = sumOfScaled(node);
  if (sum) {
    const temp = scratch();
    return (env, out) => {
      const target = out ?? temp(env.n);
      linearLoop(numbers(lookup(env.input, sum.a.column, text)), sum.a.gain, numbers(lookup(env.input, sum.b.column, text)), sum.b.gain, target, env.n);
      return target;
    };
  }
  switch (node.type) {
    case 'number':
      return () => node.value;
    case 'column': {
      const temp = scratch();
      return (env, out) => {
        const column = lookup(env.input, node.name, text);
        if (column instanceof Float64Array && out === undefined) return column;
        const target = out ?? temp(env.n);
        if (column instanceof BigInt64Array || column instanceof BigUint64Array) {
          int64ToFloat64(column.length === env.n ? column : column.subarray(0, env.n), target);
        } else {
          target.set(column.subarray(0, env.n));
        }
        return target;
      };
    }
    case 'unary': {
      const arg = build(node.arg, text);
      const temp = scratch();
      const op = node.op;
      return (env, out) => {
        const a = arg(env);
        if (typeof a === 'number') return applyUnary(op, a);
        const target = out ?? temp(env.n);
        if (op === '-') for (let i = 0; i < env.n; i++) target[i] = -a[i];
        else for (let i = 0; i < env.n; i++) target[i] = applyUnary('!', a[i]);
        return target;
      };
    }
    case 'binary': {
      const left = build(node.left, text);
      const right = build(node.right, text);
      const temp = scratch();
      const op = node.op;
      return (env, out) => {
        const a = left(env);
        const b = right(env);
        if (typeof a === 'number' && typeof b === 'number') return applyBinary(op, a, b);
        const target = out ?? temp(env.n);
        binaryLoop(op, a, b, target, env.n);
        return target;
      };
    }
    case 'call': {
      const args = node.args.map((a) => build(a, text));
      const temp = scratch();
      const fn = node.fn;
      return (env, out) => {
        const values = args.map((a) => a(env));
        if (values.every((v) => typeof v === 'number')) return applyFunction(fn, values as number[]);
        const target = out ?? temp(env.n);
        callLoop(fn, values, target, env.n);
        return target;
      };
    }
  }
}
