import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { renderComponent } from '../src/cli/list.js';
import { COMPONENTS, defaultRegistry } from '../src/components.js';
import { loadPipelineText } from '../src/core/config/load.js';
import { optionsJsonSchema, pipelineJsonSchema } from '../src/core/json-schema.js';
import { renderReference } from '../src/core/reference-doc.js';
import { Registry } from '../src/core/registry.js';
import { runCli } from './helpers/cli.js';

interface Json {
  [key: string]: unknown;
  description?: string;
  examples?: unknown[];
  properties?: Record<string, Json>;
  items?: Json;
  additionalProperties?: Json | boolean;
  anyOf?: Json[];
  oneOf?: Json[];
}

/** Every option at any depth (object fields, list-item fields, map-value fields), with a dotted name. */
function options(schema: Json, prefix = ''): [string, Json][] {
  const nested = (p: Json, name: string): [string, Json][] => {
    if (p.properties) return options(p, `${name}.`);
    if (p.items) return nested(p.items, `${name}[]`);
    if (typeof p.additionalProperties === 'object') return nested(p.additionalProperties, `${name}.<key>`);
    return [...(p.anyOf ?? []), ...(p.oneOf ?? [])].flatMap((branch) => nested(branch, name));
  };
  return Object.entries(schema.properties ?? {}).flatMap(([name, p]) => [[prefix + name, p] as [string, Json], ...nested(p, prefix + name)]);
}

/** Each zod schema with examples in its metadata, at any depth, with where it sits. */
function schemasWithExamples(schema: z.ZodType, name: string): [string, z.ZodType, unknown[]][] {
  const found: [string, z.ZodType, unknown[]][] = [];
  const examples = z.globalRegistry.get(schema)?.examples;
  if (Array.isArray(examples)) found.push([name, schema, examples]);
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[] };
  if (schema instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) found.push(...schemasWithExamples(child, `${name}.${key}`));
  }
  for (const inner of [def.innerType, def.in, def.element, def.valueType, ...(def.options ?? [])]) {
    if (inner) found.push(...schemasWithExamples(inner, name));
  }
  return found;
}

/**
 * A small JSON Schema checker (the keywords `pipeline schema` uses), written here so the generated
 * schema is checked by something other than the code that generates it. Returns the problems.
 */
function check(schema: Json, value: unknown, at = '$'): string[] {
  const problems: string[] = [];
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === 'integer' && types.includes('number'))) return [`${at}: ${actual} is not ${types.join(' or ')}`];
  }
  if (schema.const !== undefined && value !== schema.const) problems.push(`${at}: not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'string' && typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${at}: does not match ${schema.pattern}`);
  if (typeof value === 'string' && typeof schema.maxLength === 'number' && value.length > schema.maxLength) problems.push(`${at}: too long`);
  if (typeof value === 'number' && typeof schema.minimum === 'number' && value < schema.minimum) problems.push(`${at}: below minimum`);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.items) value.forEach((item, i) => problems.push(...check(schema.items!, item, `${at}[${i}]`)));
  } else if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in value)) problems.push(`${at}.${key}: required`);
    for (const [key, v] of entries) {
      if (schema.propertyNames) problems.push(...check(schema.propertyNames as Json, key, `${at}.${key} (name)`));
      const property = schema.properties?.[key];
      if (property) problems.push(...check(property, v, `${at}.${key}`));
      else if (schema.additionalProperties === false) problems.push(`${at}.${key}: not allowed`);
      else if (typeof schema.additionalProperties === 'object') problems.push(...check(schema.additionalProperties, v, `${at}.${key}`));
    }
  }
  if (schema.anyOf && !schema.anyOf.some((branch) => check(branch, value, at).length === 0)) problems.push(`${at}: matches no alternative`);
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((branch) => check(branch, value, at).length === 0).length;
    if (matching !== 1) problems.push(`${at}: matches ${matching} of the oneOf alternatives`);
  }
  return problems;
}

const SECTION = { source: 'sources', sink: 'sinks' } as const;

/** The `type` of every component of a role in a parsed pipeline file. */
function typesUsed(file: Record<string, Record<string, { type?: string; steps?: { type?: string }[] }>>, role: 'source' | 'operator' | 'sink'): string[] {
  if (role === 'operator') return Object.values(file.transforms ?? {}).flatMap((t) => (t.steps ?? []).map((s) => String(s.type)));
  return Object.values(file[SECTION[role]] ?? {}).map((c) => String(c.type));
}

describe.each(COMPONENTS.map((d) => [`${d.role} ${d.type}`, d] as const))('%s', (_name, definition) => {
  it('has a summary, and a description and an example for every option at every depth', () => {
    expect(definition.summary.length).toBeGreaterThan(10);
    for (const [name, p] of options(optionsJsonSchema(definition) as Json)) {
      expect(p.description, `${definition.type}.${name} needs a description`).toBeTruthy();
      expect(p.examples?.length, `${definition.type}.${name} needs an example`).toBeGreaterThan(0);
    }
  });

  it('accepts every option example, at every depth, with the schema it documents (examples cannot rot)', () => {
    const found = schemasWithExamples(definition.options, definition.type);
    expect(found.length).toBeGreaterThan(0);
    for (const [name, schema, examples] of found) {
      for (const example of examples) {
        const result = schema.safeParse(example);
        expect(result.success, `${name} example ${JSON.stringify(example)}: ${result.error?.message}`).toBe(true);
      }
    }
  });

  it('has whole-pipeline examples that validate in full, use it, and fit the JSON Schema', () => {
    expect(definition.examples?.length, `${definition.type} needs an example pipeline (examples: [...] in its definition)`).toBeGreaterThan(0);
    const jsonSchema = pipelineJsonSchema(defaultRegistry()) as Json;
    for (const example of definition.examples ?? []) {
      expect(example.title.length).toBeGreaterThan(10);
      loadPipelineText(example.yaml, defaultRegistry(), { file: `${definition.type}-example.yml`, env: {}, dataDir: '/srv/data' });
      const file = parse(example.yaml);
      expect(typesUsed(file, definition.role)).toContain(definition.type);
      expect(check(jsonSchema, file)).toEqual([]);
    }
  });
});

describe('generated reference', () => {
  it('registry refuses a duplicate type', () => {
    expect(() => new Registry([COMPONENTS[0], COMPONENTS[0]])).toThrow(/defined twice/);
  });

  it('docs/components.md matches the schemas (run npm run docs after changing a component)', () => {
    expect(readFileSync(new URL('../docs/components.md', import.meta.url), 'utf8')).toBe(renderReference(COMPONENTS));
  });

  it('shows durations and sizes with units, list-item fields, the keys every sink has, and example pipelines', () => {
    const reference = renderReference(COMPONENTS);
    expect(reference).toContain('| `tick` | duration | `"10ms"` |');
    expect(reference).toContain('| `chunk_size` | size | `"64KiB"` |');
    expect(reference).toContain('| `buffer.max_bytes` | size | `"64MiB"` |');
    expect(reference).toMatch(/\| `repeat\.fields\[\]\.type` \| `"u8"` .*\| required \|/);
    expect(reference).toMatch(/\| `backoff` \| object \| `\{"initial":"100ms","max":"10s","factor":2,"jitter":0\.2\}` \|/);
    expect(reference).toContain('Common sink keys: `inputs`, `when_full`, `buffer`.');
    expect(reference).toMatch(/### `derive`[\s\S]*?```yaml\n[\s\S]*?type: derive[\s\S]*?```/);
  });

  it('pipeline list prints every component, and one component with defaults, nested fields and an example pipeline', async () => {
    const all = await runCli(['list']);
    expect(all.code).toBe(0);
    for (const d of COMPONENTS) expect(all.stdout).toContain(`  ${d.type}`);
    const one = await runCli(['list', 'simulator']);
    expect(one.stdout).toMatch(/^simulator \(source\): /);
    expect(one.stdout).toMatch(/rate: "realtime" \| "max", default "realtime"\n\s+realtime paces frames/);
    expect(one.stdout).toMatch(/tick: duration, default "10ms"/);
    expect(one.stdout).toMatch(/faults\.stall_duration: duration, default "500ms"/);
    expect(one.stdout).toMatch(/example: "max"/);
    expect(one.stdout).toMatch(/\n {2}example: Harvester node .*\n {4}sources: \{ node: \{ type: simulator/);
    const wrong = await runCli(['list', 'simulatr']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/did you mean "simulator"/);
    const byType = (type: string) => COMPONENTS.find((d) => d.type === type)!;
    expect(renderComponent(byType('decode'))).toMatch(/repeat\.fields\[\]\.name: string, required\n\s+Output column name\./);
    expect(renderComponent(byType('parquet'))).toMatch(/buffer\.max_bytes: size, default "64MiB"/);
  }, 180_000);

  it('pipeline schema prints a JSON Schema that accepts real pipelines and refuses broken ones', async () => {
    const result = await runCli(['schema']);
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as Json;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['sources', 'sinks']);
    const sinks = (schema.properties!.sinks.additionalProperties as Json).oneOf!;
    const sourceTypes = ((schema.properties!.sources.additionalProperties as Json).oneOf ?? []).map((s) => s.properties!.type.const);
    expect(sourceTypes).toEqual(expect.arrayContaining(['simulator', 'file', 'serial', 'tcp', 'udp']));
    const stdout = sinks.find((s) => s.properties!.type.const === 'stdout')!;
    expect(stdout.required).toEqual(expect.arrayContaining(['type', 'inputs']));
    expect(stdout.properties!.when_full.enum).toEqual(['block', 'drop_newest', 'drop_oldest', 'sample']);
    expect(stdout.properties!.every.default).toBe('1s');
    expect(stdout.properties!.buffer.properties!.max_bytes.default).toBe('64MiB');

    const harvest = parse(readFileSync(new URL('../pipelines/harvest.yml', import.meta.url), 'utf8'));
    expect(check(schema, harvest)).toEqual([]);
    const broken = parse('sources: { node: { type: simulator, rat: max } }\nsinks: { out: { type: stdout, inputs: [node], every: 10 parsecs } }\n');
    expect(check(schema, broken)).toEqual(expect.arrayContaining([expect.stringMatching(/sources\.node: matches 0 of the oneOf/), expect.stringMatching(/sinks\.out: matches 0 of the oneOf/)]));
    expect(check(schema, { sources: {}, sinks: {}, name: 'x'.repeat(101) })).toEqual(['$.name: too long']);
  }, 120_000);
});
