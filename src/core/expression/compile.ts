import type { ColumnData, NumericColumn } from '../batch.js';
import { isBinaryColumn, isStringColumn } from '../batch.js';
import { asFloat64 } from '../records/columns.js';
import { affineLoop, applyBinary, applyFunction, applyUnary, binaryLoop, callLoop, type Operand } from './kernels.js';
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

/** `column * gain + offset`: the calibration a derived column records. */
export interface Affine {
  readonly column: string;
  readonly gain: number;
  readonly offset: number;
}

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
      affineLoop(src instanceof BigInt64Array || src instanceof BigUint64Array ? asFloat64(src) : src, affine.gain, affine.offset, target, env.n);
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
          for (let i = 0; i < env.n; i++) target[i] = Number(column[i]);
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

/** Folds constant subtrees: `2 * 1e-3` becomes one number, so loops never recompute it. */
export function fold(node: Node): Node {
  switch (node.type) {
    case 'number':
    case 'column':
      return node;
    case 'unary': {
      const arg = fold(node.arg);
      return arg.type === 'number' ? { type: 'number', value: applyUnary(node.op, arg.value) } : { ...node, arg };
    }
    case 'binary': {
      const left = fold(node.left);
      const right = fold(node.right);
      if (left.type === 'number' && right.type === 'number') return { type: 'number', value: applyBinary(node.op, left.value, right.value) };
      return { ...node, left, right };
    }
    case 'call': {
      const args = node.args.map(fold);
      if (args.every((a) => a.type === 'number')) return { type: 'number', value: applyFunction(node.fn, args.map((a) => (a as { value: number }).value)) };
      return { ...node, args };
    }
  }
}

/**
 * Recognises `col`, `col * g`, `g * col`, each optionally `+ o`, `o +` or `- o`: the forms whose
 * fused evaluation `col * g + o` rounds exactly like the expression as written. Division and other
 * forms are left to the general evaluator, which keeps their rounding.
 */
function affineForm(node: Node): Affine | undefined {
  const scaled = (n: Node): { column: string; gain: number } | undefined => {
    if (n.type === 'column') return { column: n.name, gain: 1 };
    if (n.type !== 'binary' || n.op !== '*') return undefined;
    if (n.left.type === 'column' && n.right.type === 'number') return { column: n.left.name, gain: n.right.value };
    if (n.right.type === 'column' && n.left.type === 'number') return { column: n.right.name, gain: n.left.value };
    return undefined;
  };
  const direct = scaled(node);
  if (direct) return { ...direct, offset: 0 };
  if (node.type !== 'binary' || (node.op !== '+' && node.op !== '-')) return undefined;
  if (node.right.type === 'number') {
    const s = scaled(node.left);
    if (s) return { ...s, offset: node.op === '+' ? node.right.value : -node.right.value };
  }
  if (node.op === '+' && node.left.type === 'number') {
    const s = scaled(node.right);
    if (s) return { ...s, offset: node.left.value };
  }
  return undefined;
}
