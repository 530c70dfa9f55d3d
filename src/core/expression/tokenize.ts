/**
 * Tokenizer of the expression grammar shared by `derive` and `filter`: numbers (`3`, `2.5`, `3e-9`,
 * `0x1F`), column names (letters, digits, `_`, `.`), the operators `+ - * / %`, comparisons
 * `< <= > >= == !=`, logic `&& || !`, parentheses and commas.
 */
export type Token =
  | { readonly kind: 'number'; readonly value: number; readonly pos: number }
  | { readonly kind: 'name'; readonly name: string; readonly pos: number }
  | { readonly kind: 'op'; readonly op: string; readonly pos: number }
  | { readonly kind: 'end'; readonly pos: number };

/** A syntax or reference error in an expression; the message quotes the expression. */
export class ExpressionError extends Error {
  constructor(
    readonly expression: string,
    readonly detail: string,
    readonly pos?: number,
  ) {
    // A long expression is quoted by its start only: the message must stay readable.
    const quoted = expression.length > 80 ? `${expression.slice(0, 40)}...` : expression;
    super(`expression "${quoted}": ${detail}${pos === undefined ? '' : ` (at character ${pos + 1})`}`);
    this.name = 'ExpressionError';
  }
}

const OPERATORS = ['<=', '>=', '==', '!=', '&&', '||', '+', '-', '*', '/', '%', '<', '>', '!', '(', ')', ','];
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.]*/;

/**
 * The longest expression accepted. Real ones are a few dozen characters; the bound keeps the parse
 * tree shallow enough that folding, compiling and evaluating (all recursive) cannot run out of stack.
 */
export const MAX_EXPRESSION_LENGTH = 4096;

/** Splits an expression into tokens, ending with an `end` token; throws ExpressionError for a stray character. */
export function tokenize(text: string): Token[] {
  if (text.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(text, `the expression is ${text.length} characters long; the limit is ${MAX_EXPRESSION_LENGTH}`);
  }
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const ch = text[pos];
    if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') {
      pos++;
      continue;
    }
    const rest = text.slice(pos);
    const number = NUMBER.exec(rest);
    if (number) {
      // A number glued to letters ("3abc") is a typo, not a number followed by a name.
      if (/^[A-Za-z_]/.test(rest.slice(number[0].length))) throw new ExpressionError(text, `"${rest.match(/^[\w.]+/)![0]}" is not a number or a column name`, pos);
      tokens.push({ kind: 'number', value: Number(number[0]), pos });
      pos += number[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      tokens.push({ kind: 'name', name: name[0], pos });
      pos += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => rest.startsWith(o));
    if (op === undefined) throw new ExpressionError(text, `unexpected character "${ch}"`, pos);
    tokens.push({ kind: 'op', op, pos });
    pos += op.length;
  }
  tokens.push({ kind: 'end', pos });
  return tokens;
}
