import { type CatalogEntry, operator, Registry, sink, source } from './core/registry.js';

/**
 * Every component the `pipeline` command knows: one line each, with its role, YAML type and module.
 * A module is imported only when a pipeline uses its component (see Registry.resolve), so a command
 * loads what it needs. Adding a component means adding its file, its test, and one line here.
 */
export const CATALOG: readonly CatalogEntry[] = [
  // sources
  source('simulator', () => import('./sources/simulator/index.js')),
  source('file', () => import('./sources/file.js')),
  source('serial', () => import('./sources/serial/index.js')),
  source('tcp', () => import('./sources/tcp/index.js')),
  source('udp', () => import('./sources/udp.js')),
  source('rtt', () => import('./sources/rtt/index.js')),
  source('nats', () => import('./sources/nats/index.js')),
  // operators
  operator('rollover', () => import('./operators/rollover/index.js')),
  operator('derive', () => import('./operators/derive.js')),
  operator('jitter', () => import('./operators/jitter.js')),
  operator('cpu_window', () => import('./operators/cpu-window/index.js')),
  operator('downsample', () => import('./operators/downsample/index.js')),
  operator('window', () => import('./operators/window/index.js')),
  operator('filter', () => import('./operators/filter.js')),
  operator('select', () => import('./operators/select.js')),
  operator('rename', () => import('./operators/rename.js')),
  operator('frame', () => import('./operators/frame/index.js')),
  operator('crc', () => import('./operators/crc/index.js')),
  operator('decode', () => import('./operators/decode/index.js')),
  operator('route', () => import('./operators/route.js')),
  operator('trace_recorder', () => import('./operators/trace-recorder/index.js')),
  // sinks
  sink('stdout', () => import('./sinks/stdout/index.js')),
  sink('capture', () => import('./sinks/capture.js')),
  sink('relay', () => import('./sinks/relay/index.js')),
  sink('websocket', () => import('./sinks/websocket/index.js')),
  sink('parquet', () => import('./sinks/parquet.js')),
  sink('arrow', () => import('./sinks/arrow.js')),
  sink('nats', () => import('./sinks/nats/index.js')),
];

/** A registry over the catalog: definitions load when a pipeline file or a command asks for them. */
export function catalogRegistry(): Registry {
  return Registry.ofCatalog(CATALOG);
}
