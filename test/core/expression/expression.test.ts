import { describe, expect, it } from 'vitest';
import { ExpressionError, compileExpression, parseExpression, tokenize } from '../../../src/core/expression/index.js';

const evalOn = (text: string, columns: Record<string, Float64Array | Uint32Array | Uint16Array>, n: number) => Array.from(compileExpression(text).evaluate(columns, n));

describe('expression tokenizer', () => {
  it('reads numbers, names and operators with positions', () => {
    const tokens = tokenize('a.b*3e-9 >= 0x1F');
    expect(tokens.map((t) => (t.kind === 'number' ? t.value : t.kind === 'name' ? t.name : t.kind === 'op' ? t.op : 'END'))).toEqual(['a.b', '*', 3e-9, '>=', 31, 'END']);
    expect(tokens[2].pos).toBe(4);
  });

  it('refuses unknown characters and numbers glued to letters', () => {
    expect(() => tokenize('a $ b')).toThrow(/unexpected character "\$" \(at character 3\)/);
    expect(() => tokenize('3abc')).toThrow(/"3abc" is not a number or a column name/);
  });
});

describe('expression parser', () => {
  it('follows precedence: * before +, comparison below arithmetic, && below comparison', () => {
    expect(parseExpression('a + b * c')).toEqual({
      type: 'binary', op: '+', left: { type: 'column', name: 'a' },
      right: { type: 'binary', op: '*', left: { type: 'column', name: 'b' }, right: { type: 'column', name: 'c' } },
    });
    const cmp = parseExpression('a + 1 > b && c');
    expect(cmp.type === 'binary' && cmp.op).toBe('&&');
  });

  it('is left-associative for - and /', () => {
    expect(evalOn('a - 2 - 3', { a: new Float64Array([10]) }, 1)).toEqual([5]);
    expect(evalOn('a / 2 / 5', { a: new Float64Array([100]) }, 1)).toEqual([10]);
  });

  it('names the expression and the position in syntax errors', () => {
    expect(() => parseExpression('voltage_raw * ')).toThrow('expression "voltage_raw * ": expected a number, a column name, a function or "(", found the end (at character 15)');
    expect(() => parseExpression('(a + b')).toThrow(/expected "\)"/);
    expect(() => parseExpression('a b')).toThrow(/expected an operator or the end, found "b"/);
    expect(() => parseExpression('a < b < c')).toThrow(/comparisons cannot be chained/);
    expect(() => parseExpression('foo(a)')).toThrow(/unknown function "foo"/);
    expect(() => parseExpression('min(a)')).toThrow(/min\(\) takes at least 2 arguments, got 1/);
    expect(() => parseExpression('sqrt(a, b)')).toThrow(/sqrt\(\) takes 1 argument, got 2/);
  });
});

describe('expression evaluation', () => {
  const a = new Float64Array([1, -2.5, 4, 0]);
  const b = new Uint32Array([2, 3, 4, 5]);

  it('computes arithmetic over columns of mixed types and scalars', () => {
    expect(evalOn('a * b + 1', { a, b }, 4)).toEqual([3, -6.5, 17, 1]);
    expect(evalOn('10 - a', { a }, 4)).toEqual([9, 12.5, 6, 10]);
    expect(evalOn('b % 3', { b }, 4)).toEqual([2, 0, 1, 2]);
    expect(evalOn('-a', { a }, 4)).toEqual([-1, 2.5, -4, -0]);
    expect(evalOn('2 / b', { b }, 4)).toEqual([1, 2 / 3, 0.5, 0.4]);
  });

  it('has abs, min, max, floor, ceil, round, trunc, sqrt', () => {
    expect(evalOn('abs(a)', { a }, 4)).toEqual([1, 2.5, 4, 0]);
    expect(evalOn('min(a, b, 3)', { a, b }, 4)).toEqual([1, -2.5, 3, 0]);
    expect(evalOn('max(a, 0)', { a }, 4)).toEqual([1, 0, 4, 0]);
    expect(evalOn('floor(a) + ceil(a) * 10', { a }, 4)).toEqual([11, -23, 44, 0]);
    expect(evalOn('round(a) + trunc(a)', { a }, 4)).toEqual([2, -4, 8, 0]);
    expect(evalOn('sqrt(b * 2)', { b }, 4)).toEqual([2, Math.sqrt(6), Math.sqrt(8), Math.sqrt(10)]);
  });

  it('gives 1 or 0 for comparisons and logic, NaN counting as false', () => {
    const x = new Float64Array([1, 2, 3, NaN]);
    expect(evalOn('x >= 2', { x }, 4)).toEqual([0, 1, 1, 0]);
    expect(evalOn('x == 2 || x == 3', { x }, 4)).toEqual([0, 1, 1, 0]);
    expect(evalOn('x > 1 && x != 3', { x }, 4)).toEqual([0, 1, 0, 0]);
    expect(evalOn('!(x < 2)', { x }, 4)).toEqual([0, 1, 1, 1]);
    expect(evalOn('!x', { x }, 4)).toEqual([0, 0, 0, 1]);
  });

  it('folds constants and broadcasts a constant expression', () => {
    const compiled = compileExpression('2 * 1e-3 + 1');
    expect(compiled.ast).toEqual({ type: 'number', value: 1.002 });
    expect(Array.from(compiled.evaluate({}, 3))).toEqual([1.002, 1.002, 1.002]);
  });

  it('recognises calibration forms and keeps their rounding', () => {
    expect(compileExpression('voltage_raw * 3e-9').affine).toEqual({ column: 'voltage_raw', gain: 3e-9, offset: 0 });
    expect(compileExpression('0.5 + 2 * raw').affine).toEqual({ column: 'raw', gain: 2, offset: 0.5 });
    expect(compileExpression('raw * 2 - 0.25').affine).toEqual({ column: 'raw', gain: 2, offset: -0.25 });
    expect(compileExpression('raw / 1000').affine).toBeUndefined();
    expect(compileExpression('a * b').affine).toBeUndefined();
    const raw = new Uint32Array([1, 7, 123456789, 4294967295]);
    const fused = evalOn('raw * 3e-9 + 0.1', { raw }, 4);
    expect(fused).toEqual(Array.from(raw, (r) => r * 3e-9 + 0.1));
  });

  it('fuses sums of two scaled columns without changing the rounding', () => {
    const t = Float64Array.from({ length: 50 }, (_, k) => 4294967000 + k * 250.5);
    const i = Uint32Array.from({ length: 50 }, (_, k) => k % 25);
    expect(evalOn('t * 1000 + i * 10000', { t, i }, 50)).toEqual(Array.from(t, (x, k) => x * 1000 + i[k] * 10000));
    expect(evalOn('3e-9 * t - i * 0.1', { t, i }, 50)).toEqual(Array.from(t, (x, k) => 3e-9 * x - i[k] * 0.1));
    expect(evalOn('t - i', { t, i }, 50)).toEqual(Array.from(t, (x, k) => x - i[k]));
  });

  it('names the expression and the missing column', () => {
    const compiled = compileExpression('voltage_rw * 3e-9');
    expect(() => compiled.evaluate({ voltage_raw: new Uint32Array(1) }, 1)).toThrow('expression "voltage_rw * 3e-9": column "voltage_rw" does not exist (columns: voltage_raw)');
    expect(() => compileExpression('a + nope').evaluate({ a: new Float64Array(1) }, 1)).toThrow(ExpressionError);
    expect(() => compileExpression('s + 1').evaluate({ s: { codes: new Int32Array(1), dictionary: ['x'] } }, 1)).toThrow(/column "s" is not numeric/);
  });

  it('reuses scratch space across evaluations without mixing results', () => {
    const compiled = compileExpression('a * 2 + b * 3');
    const first = compiled.evaluate({ a: new Float64Array([1, 2]), b: new Float64Array([1, 1]) }, 2);
    const second = compiled.evaluate({ a: new Float64Array([5, 6, 7]), b: new Float64Array([0, 0, 1]) }, 3);
    expect(Array.from(first)).toEqual([5, 7]);
    expect(Array.from(second)).toEqual([10, 12, 17]);
  });

  it('reads BigInt columns as numbers', () => {
    expect(evalOn('t * 1000', { t: new BigInt64Array([1n, 2n]) as never }, 2)).toEqual([1000, 2000]);
    expect(evalOn('t + t', { t: new BigInt64Array([1n, 2n]) as never }, 2)).toEqual([2, 4]);
  });
});
