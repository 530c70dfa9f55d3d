import { ExpressionError } from './expression/tokenize.js';

/**
 * A mistake in the pipeline file that shows only once data flows: a column no step upstream gives
 * (when validate could not know the columns), a file to replay that is not there. `pipeline run`
 * exits 2 for it, as `validate` does for the mistakes it finds, not 1 as for a failing device or disk.
 */
export class PipelineFileMistake extends Error {
  readonly code = 'E_PIPELINE_FILE';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PipelineFileMistake';
  }
}

/** True when the error, or one it wraps (`cause`), is a pipeline-file mistake or an expression error. */
export function isPipelineFileMistake(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof PipelineFileMistake || e instanceof ExpressionError) return true;
  }
  return false;
}
