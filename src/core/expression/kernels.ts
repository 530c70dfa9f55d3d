import type { BinaryOp, FunctionName } from './parse.js';

/**
 * Element-wise loops over Float64Arrays. The four arithmetic operators that carry the hot paths
 * (calibration, time, power) have one dedicated loop per operand shape, so each loop stays
 * monomorphic and V8 compiles it to straight-line code; the rarer operators share a generic loop.
 */
export type Operand = Float64Array | number;

/** One binary operator on two numbers, with the grammar's semantics (logic: nonzero and not NaN is true). */
export function applyBinary(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
    case '<': return a < b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case '&&': return truthy(a) && truthy(b) ? 1 : 0;
    case '||': return truthy(a) || truthy(b) ? 1 : 0;
  }
}

/** NaN and 0 are false, everything else true. */
export function truthy(x: number): boolean {
  return x > 0 || x < 0;
}

/** Unary minus or logical not on one number. */
export function applyUnary(op: '-' | '!', a: number): number {
  return op === '-' ? -a : truthy(a) ? 0 : 1;
}

const MATH: Record<Exclude<FunctionName, 'min' | 'max'>, (x: number) => number> = {
  abs: Math.abs,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
  trunc: Math.trunc,
  sqrt: Math.sqrt,
};

/** A named function on numbers (used for constant folding and scalar arguments). */
export function applyFunction(fn: FunctionName, args: readonly number[]): number {
  if (fn === 'min') return Math.min(...args);
  if (fn === 'max') return Math.max(...args);
  return MATH[fn](args[0]);
}

/** out[i] = a[i] op b[i] for i < n, where either side may be a scalar (not both). */
export function binaryLoop(op: BinaryOp, a: Operand, b: Operand, out: Float64Array, n: number): void {
  if (typeof a !== 'number' && typeof b !== 'number') {
    if (op === '+') return addVV(a, b, out, n);
    if (op === '-') return subVV(a, b, out, n);
    if (op === '*') return mulVV(a, b, out, n);
    if (op === '/') return divVV(a, b, out, n);
    for (let i = 0; i < n; i++) out[i] = applyBinary(op, a[i], b[i]);
  } else if (typeof b === 'number' && typeof a !== 'number') {
    if (op === '+') return addVS(a, b, out, n);
    if (op === '-') return addVS(a, -b, out, n);
    if (op === '*') return mulVS(a, b, out, n);
    if (op === '/') return divVS(a, b, out, n);
    for (let i = 0; i < n; i++) out[i] = applyBinary(op, a[i], b);
  } else if (typeof a === 'number' && typeof b !== 'number') {
    if (op === '+') return addVS(b, a, out, n);
    if (op === '*') return mulVS(b, a, out, n);
    if (op === '-') return subSV(a, b, out, n);
    for (let i = 0; i < n; i++) out[i] = applyBinary(op, a, b[i]);
  } else {
    out.fill(applyBinary(op, a as number, b as number), 0, n);
  }
}

function addVV(a: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}
function subVV(a: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
}
function mulVV(a: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
}
function divVV(a: Float64Array, b: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] / b[i];
}
function addVS(a: Float64Array, s: number, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + s;
}
function subSV(s: number, b: Float64Array, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = s - b[i];
}
function mulVS(a: Float64Array, s: number, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * s;
}
function divVS(a: Float64Array, s: number, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] / s;
}

/** out[i] = fn(args...[i]) for i < n; scalar arguments are broadcast. */
export function callLoop(fn: FunctionName, args: readonly Operand[], out: Float64Array, n: number): void {
  if (fn === 'min' || fn === 'max') {
    const pick = fn === 'min' ? Math.min : Math.max;
    const first = args[0];
    if (typeof first === 'number') out.fill(first, 0, n);
    else out.set(first.subarray(0, n));
    for (let k = 1; k < args.length; k++) {
      const arg = args[k];
      if (typeof arg === 'number') for (let i = 0; i < n; i++) out[i] = pick(out[i], arg);
      else for (let i = 0; i < n; i++) out[i] = pick(out[i], arg[i]);
    }
    return;
  }
  const f = MATH[fn];
  const a = args[0] as Float64Array;
  for (let i = 0; i < n; i++) out[i] = f(a[i]);
}

/** out[i] = src[i] * gain + offset: the fused loop for calibration-shaped expressions. */
export function affineLoop(src: ArrayLike<number>, gain: number, offset: number, out: Float64Array, n: number): void {
  if (offset === 0) for (let i = 0; i < n; i++) out[i] = src[i] * gain;
  else for (let i = 0; i < n; i++) out[i] = src[i] * gain + offset;
}

/** out[i] = a[i] * ga + b[i] * gb: two scaled columns summed in one loop. */
export function linearLoop(a: ArrayLike<number>, ga: number, b: ArrayLike<number>, gb: number, out: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] * ga + b[i] * gb;
}
