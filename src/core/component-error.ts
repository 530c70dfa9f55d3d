/** A component failed hard; the message names it so the user knows where to look. */
export class ComponentError extends Error {
  readonly code = 'E_COMPONENT';
  constructor(
    readonly componentId: string,
    override readonly cause: unknown,
  ) {
    super(`component "${componentId}" failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'ComponentError';
  }
}

/** Wraps an error in ComponentError unless it already names a component. */
export function nameComponent(componentId: string, error: unknown): ComponentError {
  return error instanceof ComponentError ? error : new ComponentError(componentId, error);
}
