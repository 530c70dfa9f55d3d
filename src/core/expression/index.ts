/** The expression grammar shared by `derive` and `filter`: parse, compile, evaluate over columns. */
export { ExpressionError, tokenize } from './tokenize.js';
export { parseExpression, columnsOf, FUNCTIONS, type Node, type BinaryOp } from './parse.js';
export { compileExpression, type CompiledExpression, type Affine } from './compile.js';
export { truthy } from './kernels.js';
