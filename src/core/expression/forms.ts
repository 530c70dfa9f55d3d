import { applyBinary, applyFunction, applyUnary } from './kernels.js';
import type { Node } from './parse.js';

/**
 * Rewrites and recognised shapes of expression trees: constant folding, and the calibration and
 * two-column forms that compile to one fused loop with the same rounding as the expression.
 */

/** `column * gain + offset`: the calibration a derived column records. */
export interface Affine {
  readonly column: string;
  readonly gain: number;
  readonly offset: number;
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
export function affineForm(node: Node): Affine | undefined {
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

/** `col`, `col * g` or `g * col`: a column and its factor. */
function scaled(n: Node): { column: string; gain: number } | undefined {
  if (n.type === 'column') return { column: n.name, gain: 1 };
  if (n.type !== 'binary' || n.op !== '*') return undefined;
  if (n.left.type === 'column' && n.right.type === 'number') return { column: n.left.name, gain: n.right.value };
  if (n.right.type === 'column' && n.left.type === 'number') return { column: n.right.name, gain: n.left.value };
  return undefined;
}

/**
 * `a * g1 + b * g2` or `a * g1 - b * g2` (per-sample time, sums of calibrated columns): one fused
 * loop. Subtracting b * g2 equals adding b * -g2 exactly, so the rounding is the expression's.
 */
export function sumOfScaled(node: Node): { a: { column: string; gain: number }; b: { column: string; gain: number } } | undefined {
  if (node.type !== 'binary' || (node.op !== '+' && node.op !== '-')) return undefined;
  const a = scaled(node.left);
  const b = scaled(node.right);
  if (!a || !b) return undefined;
  return { a, b: node.op === '+' ? b : { column: b.column, gain: -b.gain } };
}
