import { ExpressionError, type Token, tokenize } from './tokenize.js';

/**
 * Recursive-descent parser of the expression grammar into an AST. Precedence, lowest first:
 *
 *   or      := and ('||' and)*
 *   and     := compare ('&&' compare)*
 *   compare := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
 *   sum     := product (('+' | '-') product)*
 *   product := unary (('*' | '/' | '%') unary)*
 *   unary   := ('-' | '+' | '!') unary | primary
 *   primary := number | name | name '(' or (',' or)* ')' | '(' or ')'
 *
 * Comparisons and logic give 1 or 0, so one grammar serves arithmetic (`derive`) and conditions (`filter`).
 */
export type Node =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'column'; readonly name: string }
  | { readonly type: 'unary'; readonly op: '-' | '!'; readonly arg: Node }
  | { readonly type: 'binary'; readonly op: BinaryOp; readonly left: Node; readonly right: Node }
  | { readonly type: 'call'; readonly fn: FunctionName; readonly args: readonly Node[] };

/** Binary operators of the grammar, arithmetic, comparison and logic. */
export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '<' | '<=' | '>' | '>=' | '==' | '!=' | '&&' | '||';

/** Named functions and how many arguments they take ([min, max]). */
export const FUNCTIONS = {
  abs: [1, 1],
  floor: [1, 1],
  ceil: [1, 1],
  round: [1, 1],
  trunc: [1, 1],
  sqrt: [1, 1],
  min: [2, Infinity],
  max: [2, Infinity],
} as const;
/** Names of the functions an expression may call. */
export type FunctionName = keyof typeof FUNCTIONS;

/** How deep parentheses, unary operators and function calls may nest (each level recurses in the parser). */
export const MAX_NESTING = 64;

const LEVELS: readonly (readonly string[])[] = [['||'], ['&&'], ['<', '<=', '>', '>=', '==', '!='], ['+', '-'], ['*', '/', '%']];
const COMPARE_LEVEL = 2;

/** Parses an expression; throws ExpressionError naming the expression and the position. */
export function parseExpression(text: string): Node {
  const tokens = tokenize(text);
  let at = 0;
  let nesting = 0;
  const nest = <T>(parse: () => T): T => {
    if (++nesting > MAX_NESTING) fail(`parentheses, unary operators and calls nest more than ${MAX_NESTING} levels deep`);
    const result = parse();
    nesting--;
    return result;
  };
  const peek = (): Token => tokens[at];
  const isOp = (op: string): boolean => {
    const t = tokens[at];
    return t.kind === 'op' && t.op === op;
  };
  const expect = (op: string): void => {
    if (!isOp(op)) fail(`expected "${op}"`);
    at++;
  };
  const fail = (detail: string): never => {
    const t = peek();
    const found = t.kind === 'end' ? 'the end' : t.kind === 'number' ? String(t.value) : t.kind === 'name' ? `"${t.name}"` : `"${t.op}"`;
    throw new ExpressionError(text, `${detail}, found ${found}`, t.pos);
  };

  const level = (index: number): Node => {
    if (index === LEVELS.length) return unary();
    let left = level(index + 1);
    for (;;) {
      const t = peek();
      if (t.kind !== 'op' || !LEVELS[index].includes(t.op)) return left;
      at++;
      const right = level(index + 1);
      left = { type: 'binary', op: t.op as BinaryOp, left, right };
      // a < b < c reads like maths but would compare a boolean with c: refuse it.
      if (index === COMPARE_LEVEL) {
        const next = peek();
        if (next.kind === 'op' && LEVELS[COMPARE_LEVEL].includes(next.op)) fail('comparisons cannot be chained; use &&');
        return left;
      }
    }
  };

  const unary = (): Node => {
    if (isOp('-') || isOp('!')) {
      const op = (tokens[at++] as { op: '-' | '!' }).op;
      return { type: 'unary', op, arg: nest(unary) };
    }
    if (isOp('+')) {
      at++;
      return nest(unary);
    }
    return primary();
  };

  const primary = (): Node => {
    const t = peek();
    if (t.kind === 'number') {
      at++;
      return { type: 'number', value: t.value };
    }
    if (t.kind === 'name') {
      at++;
      if (!isOp('(')) return { type: 'column', name: t.name };
      if (!(t.name in FUNCTIONS)) throw new ExpressionError(text, `unknown function "${t.name}" (functions: ${Object.keys(FUNCTIONS).join(', ')})`, t.pos);
      const fn = t.name as FunctionName;
      at++;
      const args: Node[] = [nest(() => level(0))];
      while (isOp(',')) {
        at++;
        args.push(nest(() => level(0)));
      }
      expect(')');
      const [min, max] = FUNCTIONS[fn];
      if (args.length < min || args.length > max) {
        throw new ExpressionError(text, `${fn}() takes ${min === max ? min : `at least ${min}`} argument${min === 1 && max === 1 ? '' : 's'}, got ${args.length}`, t.pos);
      }
      return { type: 'call', fn, args };
    }
    if (isOp('(')) {
      at++;
      const inner = nest(() => level(0));
      expect(')');
      return inner;
    }
    return fail('expected a number, a column name, a function or "("');
  };

  const root = level(0);
  if (peek().kind !== 'end') fail('expected an operator or the end');
  return root;
}

/** Column names an expression reads, in order of first use. */
export function columnsOf(node: Node, into: string[] = []): string[] {
  switch (node.type) {
    case 'column':
      if (!into.includes(node.name)) into.push(node.name);
      break;
    case 'unary':
      columnsOf(node.arg, into);
      break;
    case 'binary':
      columnsOf(node.left, into);
      columnsOf(node.right, into);
      break;
    case 'call':
      for (const arg of node.args) columnsOf(arg, into);
      break;
  }
  return into;
}
