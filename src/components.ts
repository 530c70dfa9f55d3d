import type { ComponentDefinition } from './core/component.js';
import { Registry } from './core/registry.js';
import { arrowSink } from './sinks/arrow.js';
import { captureSink } from './sinks/capture.js';
import { parquetSink } from './sinks/parquet.js';
import { stdoutSink } from './sinks/stdout/index.js';
import { fileSource } from './sources/file.js';
import { simulatorSource } from './sources/simulator/index.js';

/**
 * Every component the `pipeline` command knows, listed explicitly (no import side effects).
 * Adding a component means adding its file and one line here.
 */
export const COMPONENTS: readonly ComponentDefinition[] = [
  // sources
  simulatorSource,
  fileSource,
  // operators
  // sinks
  stdoutSink,
  captureSink,
  parquetSink,
  arrowSink,
];

export function defaultRegistry(): Registry {
  return new Registry(COMPONENTS);
}
