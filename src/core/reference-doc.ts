import type { ComponentDefinition } from './component.js';
import { SINK_COMMON_KEYS } from './config/pipeline-schema.js';
import { optionRows, optionsJsonSchema, optionTypeText, sinkCommonJsonSchema, type OptionProperty as Property } from './json-schema.js';

/** The component reference (docs/components.md), generated from the option schemas. */
export function renderReference(definitions: readonly ComponentDefinition[]): string {
  const out = [
    '# Component reference',
    '',
    'Generated from the component schemas by `npm run docs`; a test fails when this file is out of date.',
    'The same information is printed by `pipeline list TYPE`, and `pipeline schema` gives it as JSON Schema for editors.',
    '',
    'A **duration** is `250us`, `10ms`, `1.5s`, `10m`, `2h` or a number of milliseconds (at most 2147483647ms, about 24.8 days).',
    'A **size** is `4096`, `64KiB`, `512MB` or `1GiB`. `a[].b` is field `b` of each item of list `a`; `a.<key>.b` is field `b` of each value of map `a`.',
    '',
  ];
  for (const [title, role] of [['Sources', 'source'], ['Operators', 'operator'], ['Sinks', 'sink']] as const) {
    out.push(`## ${title}`, '');
    if (role === 'sink') out.push('Every sink also has these keys:', '', ...optionTable(sinkCommonJsonSchema() as Property), '');
    for (const d of definitions.filter((x) => x.role === role)) out.push(...renderOne(d), '');
  }
  return out.join('\n');
}

function renderOne(d: ComponentDefinition): string[] {
  const lines = [`### \`${d.type}\``, '', d.summary, ''];
  const common = SINK_COMMON_KEYS.filter((k) => k !== 'type').map((k) => `\`${k}\``).join(', ');
  if (d.role === 'sink') lines.push(`Takes ${d.input.join(', ')}. Default \`when_full\`: \`${d.defaultWhenFull}\`. Common sink keys: ${common}.`, '');
  if (d.role === 'operator' && typeof d.input === 'string' && typeof d.output === 'string') lines.push(`Takes ${d.input}, gives ${d.output}.`, '');
  if (d.role === 'source' && typeof d.output === 'string') lines.push(`Gives ${d.output}.`, '');
  const table = optionTable(optionsJsonSchema(d) as Property);
  lines.push(...(table.length > 0 ? table : ['No options.']));
  for (const example of d.examples ?? []) lines.push('', `Example: ${example.title}.`, '', '```yaml', example.yaml.trim(), '```');
  return lines;
}

function optionTable(schema: Property): string[] {
  const rows = optionRows(schema);
  if (rows.length === 0) return [];
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| option | type | default | description | example |', '|---|---|---|---|---|'];
  for (const { name, property: p, required } of rows) {
    const def = required ? 'required' : p.default !== undefined ? `\`${JSON.stringify(p.default)}\`` : '';
    const example = p.examples?.length ? `\`${JSON.stringify(p.examples[0])}\`` : '';
    lines.push(`| \`${name}\` | ${optionTypeText(p, (v) => `\`${v}\``, ' \\| ')} | ${cell(def)} | ${cell(p.description ?? '')} | ${cell(example)} |`);
  }
  return lines;
}
