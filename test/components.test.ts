import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMPONENTS } from '../src/components.js';
import { optionsJsonSchema, pipelineJsonSchema } from '../src/core/json-schema.js';
import { renderReference } from '../src/core/reference-doc.js';
import { Registry } from '../src/core/registry.js';
import { runCli } from './helpers/cli.js';

interface Property {
  description?: string;
  examples?: unknown[];
  properties?: Record<string, Property>;
}

/** Every option at any depth, with its dotted name. */
function options(schema: Property, prefix = ''): [string, Property][] {
  return Object.entries(schema.properties ?? {}).flatMap(([name, p]) => [[prefix + name, p] as [string, Property], ...options(p, `${prefix}${name}.`)]);
}

describe.each(COMPONENTS.map((d) => [`${d.role} ${d.type}`, d] as const))('%s', (_name, definition) => {
  it('has a summary, and a description and an example for every option', () => {
    expect(definition.summary.length).toBeGreaterThan(10);
    for (const [name, p] of options(optionsJsonSchema(definition) as Property)) {
      expect(p.description, `${definition.type}.${name} needs a description`).toBeTruthy();
      expect(p.examples?.length, `${definition.type}.${name} needs an example`).toBeGreaterThan(0);
    }
  });

  it('accepts each option example on its own (examples cannot rot)', () => {
    const shape = definition.options.shape as Record<string, z.ZodType>;
    for (const [name, p] of Object.entries((optionsJsonSchema(definition) as Property).properties ?? {})) {
      const result = shape[name].safeParse(p.examples![0]);
      expect(result.success, `${definition.type}.${name} example ${JSON.stringify(p.examples![0])}: ${result.error?.message}`).toBe(true);
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

  it('pipeline list prints every component, and one component with defaults and examples', async () => {
    const all = await runCli(['list']);
    expect(all.code).toBe(0);
    for (const d of COMPONENTS) expect(all.stdout).toContain(`  ${d.type}`);
    const one = await runCli(['list', 'simulator']);
    expect(one.stdout).toMatch(/^simulator \(source\): /);
    expect(one.stdout).toMatch(/rate: "realtime" \| "max", default "realtime"\n\s+realtime paces frames/);
    expect(one.stdout).toMatch(/example: "max"/);
    const wrong = await runCli(['list', 'simulatr']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/did you mean "simulator"/);
  });

  it('pipeline schema prints a JSON Schema built from the component schemas', async () => {
    const result = await runCli(['schema']);
    const schema = JSON.parse(result.stdout);
    expect(schema).toEqual(JSON.parse(JSON.stringify(pipelineJsonSchema(new Registry(COMPONENTS)))));
    const sourceTypes = schema.properties.sources.additionalProperties.oneOf.map((s: { properties: { type: { const: string } } }) => s.properties.type.const);
    expect(sourceTypes).toEqual(COMPONENTS.filter((d) => d.role === 'source').map((d) => d.type));
  });
});
