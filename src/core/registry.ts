import type { ComponentDefinition, OperatorDefinition, SinkDefinition, SourceDefinition } from './component.js';

type Role = ComponentDefinition['role'];
type DefinitionOf<R extends Role> = R extends 'source' ? SourceDefinition : R extends 'operator' ? OperatorDefinition : SinkDefinition;

/** The set of component definitions a pipeline can use, by role and YAML type name. */
export class Registry {
  private readonly byRole: { [R in Role]: Map<string, DefinitionOf<R>> } = {
    source: new Map(),
    operator: new Map(),
    sink: new Map(),
  };

  constructor(definitions: readonly ComponentDefinition[] = []) {
    for (const definition of definitions) this.add(definition);
  }

  add(definition: ComponentDefinition): this {
    const map = this.byRole[definition.role] as Map<string, ComponentDefinition>;
    if (!/^[a-z][a-z0-9_]*$/.test(definition.type)) throw new Error(`registry: type "${definition.type}" is not snake_case`);
    if (map.has(definition.type)) throw new Error(`registry: ${definition.role} type "${definition.type}" is defined twice`);
    map.set(definition.type, definition);
    return this;
  }

  get<R extends Role>(role: R, type: string): DefinitionOf<R> | undefined {
    return this.byRole[role].get(type) as DefinitionOf<R> | undefined;
  }

  types(role: Role): string[] {
    return [...this.byRole[role].keys()].sort();
  }

  all(): ComponentDefinition[] {
    return [...this.byRole.source.values(), ...this.byRole.operator.values(), ...this.byRole.sink.values()];
  }
}
