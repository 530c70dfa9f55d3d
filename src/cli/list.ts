import { catalogRegistry } from '../catalog.js';
import type { ComponentDefinition } from '../core/component.js';
import { didYouMean } from '../core/config/did-you-mean.js';
import { optionRows, optionsJsonSchema, optionTypeText, sinkCommonJsonSchema, type OptionProperty } from '../core/json-schema.js';
import { UsageError } from './args.js';
import { registerCommandHelp } from './help.js';


export const listHelp = registerCommandHelp({
  name: 'list',
  usage: 'pipeline list [TYPE]',
  summary: 'Without TYPE: every source, operator and sink with a one-line summary. With TYPE: that component\'s options at every depth (types, defaults, descriptions) and its example pipelines, as in docs/components.md.',
  options: [['TYPE', 'A component type, e.g. simulator, frame, decode, parquet']],
  examples: ['pipeline list', 'pipeline list decode'],
});

/** Lists components, or one component's options with defaults and examples, from the schemas. */
export async function listCommand(argv: string[]): Promise<number> {
  const registry = await catalogRegistry().loadAll();
  const all = registry.all();
  if (argv.length === 0) {
    process.stdout.write(renderIndex(all));
    return 0;
  }
  const matches = all.filter((d) => d.type === argv[0]);
  if (matches.length === 0) throw new UsageError(`no component of type "${argv[0]}"${didYouMean(argv[0], all.map((d) => d.type))}; run "pipeline list" for all`);
  process.stdout.write(matches.map(renderComponent).join('\n'));
  return 0;
}

export function renderIndex(all: readonly ComponentDefinition[]): string {
  const width = Math.max(...all.map((d) => d.type.length));
  const section = (title: string, role: ComponentDefinition['role']) =>
    `${title}\n` + all.filter((d) => d.role === role).map((d) => `  ${d.type.padEnd(width)}  ${d.summary}`).join('\n') + '\n';
  return [section('Sources', 'source'), section('Operators', 'operator'), section('Sinks', 'sink')].join('\n') + '\nRun "pipeline list TYPE" for the options of one.\n';
}

/** One component's reference: summary, kinds, each option at every depth, and its example pipelines. */
export function renderComponent(definition: ComponentDefinition): string {
  const kinds =
    definition.role === 'source'
      ? `gives ${typeof definition.output === 'string' ? definition.output : 'bytes or records (see options)'}`
      : definition.role === 'operator'
        ? `takes ${typeof definition.input === 'string' ? definition.input : 'see options'}, gives ${typeof definition.output === 'string' ? definition.output : 'see options'}`
        : `takes ${definition.input.join(', ')}; default when_full: ${definition.defaultWhenFull}`;
  const lines = [`${definition.type} (${definition.role}): ${definition.summary}`, `  ${kinds}`, '  options:'];
  const rows = optionRows(optionsJsonSchema(definition) as OptionProperty);
  if (definition.role === 'sink') rows.push(...optionRows(sinkCommonJsonSchema() as OptionProperty));
  for (const { name, property: p, required } of rows) {
    const meta = [optionTypeText(p), required ? 'required' : p.default !== undefined ? `default ${JSON.stringify(p.default)}` : 'optional'];
    lines.push(`    ${name}: ${meta.join(', ')}`);
    if (p.description) lines.push(`        ${p.description}`);
    if (p.examples?.length) lines.push(`        example: ${JSON.stringify(p.examples[0])}`);
  }
  for (const example of definition.examples ?? []) {
    lines.push('', `  example: ${example.title}`, ...example.yaml.trim().split('\n').map((line) => `    ${line}`));
  }
  return lines.join('\n') + '\n';
}
