import type { ComponentDefinition } from './core/component.js';
import { Registry } from './core/registry.js';
import { crcOperator } from './operators/crc/index.js';
import { decodeOperator } from './operators/decode/index.js';
import { frameOperator } from './operators/frame/index.js';
import { routeOperator } from './operators/route.js';

/**
 * Every component the `pipeline` command knows, listed explicitly (no import side effects).
 * Adding a component means adding its file and one line here.
 */
export const COMPONENTS: readonly ComponentDefinition[] = [
  // sources
  // operators
  frameOperator,
  crcOperator,
  decodeOperator,
  routeOperator,
  // sinks
];

export function defaultRegistry(): Registry {
  return new Registry(COMPONENTS);
}
