import type { ComponentDefinition } from './core/component.js';
import { Registry } from './core/registry.js';
import { arrowSink } from './sinks/arrow.js';
import { parquetSink } from './sinks/parquet.js';

/**
 * Every component the `pipeline` command knows, listed explicitly (no import side effects).
 * Adding a component means adding its file and one line here.
 */
export const COMPONENTS: readonly ComponentDefinition[] = [
  // sources
  // operators
  // sinks
  parquetSink,
  arrowSink,
];

export function defaultRegistry(): Registry {
  return new Registry(COMPONENTS);
}
