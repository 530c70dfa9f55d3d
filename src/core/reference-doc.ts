import type { ComponentDefinition } from './component.js';
import { optionsJsonSchema, optionTypeText, type OptionProperty as Property } from './json-schema.js';

/** The component reference (docs/components.md), generated from the option schemas. */
export function renderReference(definitions: readonly ComponentDefinition[]): string {
  const out = [
    '# Component reference',
    '',
    'Generated from the component schemas by `npm run docs`; a test fails when this file is out of date.',
    'The same information is printed by `pipeline list TYPE`, and `pipeline schema` gives it as JSON Schema for editors.',
    '',
  ];
  for (const [title, role] of [['Sources', 'source'], ['Operators', 'operator'], ['Sinks', 'sink']] as const) {
    out.push(`## ${title}`, '');
    for (const d of definitions.filter((x) => x.role === role)) out.push(...renderOne(d), '');
  }
  return out.join('\n');
}

function renderOne(d: ComponentDefinition): string[] {
  const schema = optionsJsonSchema(d) as Property;
  const lines = [`### \`${d.type}\``, '', d.summary, ''];
  if (d.role === 'sink') lines.push(`Takes ${d.input.join(', ')}. Default \`when_full\`: \`${d.defaultWhenFull}\`. Common sink keys: \`inputs\`, \`when_full\`, \`buffer\`.`, '');
  if (d.role === 'operator' && typeof d.input === 'string' && typeof d.output === 'string') lines.push(`Takes ${d.input}, gives ${d.output}.`, '');
  if (d.role === 'source' && typeof d.output === 'string') lines.push(`Gives ${d.output}.`, '');
  const rows = flatten(schema, '');
  if (rows.length === 0) return [...lines, 'No options.'];
  lines.push('| option | type | default | description | example |', '|---|---|---|---|---|');
  for (const [name, p, required] of rows) {
    const def = required ? 'required' : p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : '';
    const example = p.examples?.length ? `\`${JSON.stringify(p.examples[0])}\`` : '';
    lines.push(`| \`${name}\` | ${optionTypeText(p, (v) => `\`${v}\``, ' \\| ')} | ${def} | ${(p.description ?? '').replace(/\|/g, '\\|')} | ${example.replace(/\|/g, '\\|')} |`);
  }
  return lines;
}

function flatten(schema: Property, prefix: string): [string, Property, boolean][] {
  const rows: [string, Property, boolean][] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, p] of Object.entries(schema.properties ?? {})) {
    rows.push([prefix + name, p, required.has(name)]);
    if (p.properties) rows.push(...flatten(p, `${prefix}${name}.`));
  }
  return rows;
}
