import { describe, expect, it } from 'vitest';
import { ExpressionError, compileExpression } from '../../../src/core/expression/index.js';

/** Expressions come from pipeline files: their size and nesting are bounded so no input can exhaust the stack. */
describe('expression limits', () => {
  const sumOf = (terms: number) => Array(terms).fill('a').join('+');

  it('evaluates the longest allowed flat sum exactly', () => {
    const text = sumOf(2048); // 4095 characters, a tree 2047 levels deep
    const values = compileExpression(text).evaluate({ a: new Float64Array([1, 0.5]) }, 2);
    expect(Array.from(values)).toEqual([2048, 1024]);
  });

  it('refuses a longer expression by its length, quoting only its start', () => {
    const error = (() => {
      try {
        compileExpression(sumOf(200_000));
      } catch (e) {
        return e as ExpressionError;
      }
      throw new Error('expected an ExpressionError');
    })();
    expect(error).toBeInstanceOf(ExpressionError);
    expect(error.message).toBe('expression "a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+a+...": the expression is 399999 characters long; the limit is 4096');
  });

  it('nests parentheses, unary operators and calls up to 64 levels, and refuses the 65th', () => {
    const parens = (n: number) => `${'('.repeat(n)}a${')'.repeat(n)}`;
    expect(Array.from(compileExpression(parens(64)).evaluate({ a: new Float64Array([3]) }, 1))).toEqual([3]);
    expect(() => compileExpression(parens(65))).toThrow(/nest more than 64 levels deep, found "a" \(at character 66\)/);
    expect(Array.from(compileExpression(`${'-'.repeat(64)}a`).evaluate({ a: new Float64Array([3]) }, 1))).toEqual([3]);
    expect(() => compileExpression(`${'-'.repeat(65)}a`)).toThrow(ExpressionError);
    expect(() => compileExpression(`${'abs('.repeat(65)}a${')'.repeat(65)}`)).toThrow(/nest more than 64 levels deep/);
  });

  it('refuses the report\'s cases with an ExpressionError, not a stack overflow', () => {
    for (const text of [`${'('.repeat(2000)}seq${')'.repeat(2000)}`, `${'-'.repeat(100_000)}seq`, Array(200_000).fill('seq').join('+')]) {
      expect(() => compileExpression(text)).toThrow(ExpressionError);
    }
  });
});
