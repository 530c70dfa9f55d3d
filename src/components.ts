import { CATALOG } from './catalog.js';
import type { ComponentDefinition } from './core/component.js';
import { Registry } from './core/registry.js';

/**
 * Every component definition, loaded (for tests, benchmarks and the reference generator, which use
 * them all). Commands use the catalog instead and load only what a pipeline names (`catalogRegistry`).
 */
export const COMPONENTS: readonly ComponentDefinition[] = (await Registry.ofCatalog(CATALOG).loadAll()).all();

export function defaultRegistry(): Registry {
  return new Registry(COMPONENTS);
}
