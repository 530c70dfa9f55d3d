import type { ComponentDefinition, OperatorDefinition, SinkDefinition, SourceDefinition } from './component.js';

type Role = ComponentDefinition['role'];
type DefinitionOf<R extends Role> = R extends 'source' ? SourceDefinition : R extends 'operator' ? OperatorDefinition : SinkDefinition;

/**
 * One line of the component catalog (src/catalog.ts): a component's role, YAML type and module. The
 * module is imported only when a pipeline uses the component (or a command lists them all), so
 * `pipeline validate` does not load thirty components to check a file that uses three.
 */
export interface CatalogEntry {
  readonly role: Role;
  readonly type: string;
  load(): Promise<ComponentDefinition>;
}

type ModuleLoader = () => Promise<Record<string, unknown>>;

function entry(role: Role, type: string, importModule: ModuleLoader): CatalogEntry {
  return {
    role,
    type,
    async load() {
      const found = Object.values(await importModule()).filter((value): value is ComponentDefinition => isDefinition(value) && value.role === role && value.type === type);
      if (found.length !== 1) throw new Error(`catalog: the module of ${role} "${type}" must export exactly one ${role} definition of that type (found ${found.length})`);
      return found[0];
    },
  };
}

export const source = (type: string, importModule: ModuleLoader) => entry('source', type, importModule);
export const operator = (type: string, importModule: ModuleLoader) => entry('operator', type, importModule);
export const sink = (type: string, importModule: ModuleLoader) => entry('sink', type, importModule);

function isDefinition(value: unknown): value is ComponentDefinition {
  return typeof value === 'object' && value !== null && 'role' in value && 'type' in value && typeof (value as { create?: unknown }).create === 'function';
}

/**
 * The set of component definitions a pipeline can use, by role and YAML type name. Made from
 * definitions, or from catalog entries whose definitions load on demand: `get` answers from what is
 * loaded and notes what was asked for but not loaded yet, which `resolve` then loads.
 */
export class Registry {
  private readonly byRole: { [R in Role]: Map<string, DefinitionOf<R>> } = {
    source: new Map(),
    operator: new Map(),
    sink: new Map(),
  };
  private readonly unloaded = new Map<string, CatalogEntry>();
  private readonly asked = new Set<CatalogEntry>();

  constructor(definitions: readonly ComponentDefinition[] = []) {
    for (const definition of definitions) this.add(definition);
  }

  /** A registry of catalog entries; nothing is imported until asked for. */
  static ofCatalog(entries: readonly CatalogEntry[]): Registry {
    const registry = new Registry();
    for (const e of entries) {
      const key = `${e.role}/${e.type}`;
      checkType(e.role, e.type);
      if (registry.unloaded.has(key)) throw new Error(`registry: ${e.role} type "${e.type}" is defined twice`);
      registry.unloaded.set(key, e);
    }
    return registry;
  }

  add(definition: ComponentDefinition): this {
    const map = this.byRole[definition.role] as Map<string, ComponentDefinition>;
    checkType(definition.role, definition.type);
    if (map.has(definition.type)) throw new Error(`registry: ${definition.role} type "${definition.type}" is defined twice`);
    map.set(definition.type, definition);
    return this;
  }

  /** The definition, if loaded; a catalog entry asked for here is loaded by the next `resolve`. */
  get<R extends Role>(role: R, type: string): DefinitionOf<R> | undefined {
    const definition = this.byRole[role].get(type) as DefinitionOf<R> | undefined;
    if (definition === undefined) {
      const pending = this.unloaded.get(`${role}/${type}`);
      if (pending) this.asked.add(pending);
    }
    return definition;
  }

  /** Every type of a role, loaded or not. */
  types(role: Role): string[] {
    const pending = [...this.unloaded.values()].filter((e) => e.role === role).map((e) => e.type);
    return [...new Set([...this.byRole[role].keys(), ...pending])].sort();
  }

  /** The loaded definitions, sources first (after `loadAll`, every one). */
  all(): ComponentDefinition[] {
    return [...this.byRole.source.values(), ...this.byRole.operator.values(), ...this.byRole.sink.values()];
  }

  async loadAll(): Promise<this> {
    await this.load([...this.unloaded.values()]);
    return this;
  }

  /**
   * Runs `use` (which looks definitions up with `get`, e.g. loading a pipeline file); while it asked
   * for definitions that were not loaded, loads them and runs it again. A file that names three
   * components loads those three.
   */
  async resolve<T>(use: (registry: this) => T): Promise<T> {
    for (;;) {
      this.asked.clear();
      try {
        const result = use(this);
        if (this.asked.size === 0) return result;
      } catch (error) {
        if (this.asked.size === 0) throw error;
      }
      await this.load([...this.asked]);
    }
  }

  private async load(entries: readonly CatalogEntry[]): Promise<void> {
    const definitions = await Promise.all(entries.map((e) => e.load()));
    // Added in catalog order, whatever order the imports finished in.
    for (const [index, definition] of definitions.entries()) {
      this.unloaded.delete(`${entries[index].role}/${entries[index].type}`);
      this.add(definition);
    }
  }
}

function checkType(role: Role, type: string): void {
  if (!/^[a-z][a-z0-9_]*$/.test(type)) throw new Error(`registry: ${role} type "${type}" is not snake_case`);
}
