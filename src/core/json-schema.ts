import { z } from 'zod';
import type { ComponentDefinition } from './component.js';
import type { Registry } from './registry.js';

type JsonSchema = Record<string, unknown>;

/** JSON Schema of one component's options, as a user writes them (input side of transforms). */
export function optionsJsonSchema(definition: ComponentDefinition): JsonSchema {
  const schema = z.toJSONSchema(definition.options, {
    io: 'input',
    unrepresentable: 'any',
    // zod leaves out examples and defaults of options that transform their input (durations, sizes):
    // they are written in the input form, so put them back.
    override: (ctx) => {
      const meta = z.globalRegistry.get(ctx.zodSchema as unknown as z.ZodType);
      if (meta?.examples && ctx.jsonSchema.examples === undefined) ctx.jsonSchema.examples = meta.examples as unknown[];
      const def = (ctx.zodSchema as unknown as z.ZodType)._zod.def as { type: string; defaultValue?: unknown };
      if (def.type === 'default' && ctx.jsonSchema.default === undefined) ctx.jsonSchema.default = def.defaultValue;
    },
  }) as JsonSchema;
  delete schema.$schema;
  return schema;
}

/** One component as a pipeline-file entry: `type` fixed to its name plus its options. */
function entrySchema(definition: ComponentDefinition, extra: Record<string, JsonSchema> = {}): JsonSchema {
  const options = optionsJsonSchema(definition);
  return {
    type: 'object',
    description: definition.summary,
    properties: { type: { const: definition.type, description: definition.summary }, ...extra, ...(options.properties as object) },
    required: ['type', ...((options.required as string[]) ?? []), ...Object.keys(extra).filter((k) => k === 'inputs')],
    additionalProperties: false,
  };
}

const SINK_COMMON: Record<string, JsonSchema> = {
  inputs: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Sources or transforms this sink reads.' },
  when_full: { enum: ['block', 'drop_newest', 'drop_oldest', 'sample'], description: 'What the bounded buffer in front of the sink does when full: block pauses the sources; the others drop (counted).' },
  buffer: {
    type: 'object',
    additionalProperties: false,
    description: 'Limits of the buffer in front of the sink.',
    properties: { max_batches: { type: 'integer', minimum: 1, default: 64 }, max_bytes: { type: ['integer', 'string'], default: '64MiB' } },
  },
};

/** The JSON Schema of a whole pipeline file, for editor completion and checking (pipeline schema). */
export function pipelineJsonSchema(registry: Registry): JsonSchema {
  const of = (role: ComponentDefinition['role'], extra?: Record<string, JsonSchema>) =>
    registry.all().filter((d) => d.role === role).map((d) => entrySchema(d, extra));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'telemetry-pipeline pipeline file',
    type: 'object',
    additionalProperties: false,
    required: ['sources', 'sinks'],
    properties: {
      name: { type: 'string', description: 'Pipeline name, used in file names and metadata.' },
      description: { type: 'string' },
      sources: { type: 'object', description: 'Named sources.', additionalProperties: { oneOf: of('source') } },
      transforms: {
        type: 'object',
        description: 'Named transforms: inputs and a chain of steps.',
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['inputs', 'steps'],
          properties: {
            inputs: { type: 'array', items: { type: 'string' }, minItems: 1 },
            steps: { type: 'array', minItems: 1, items: { oneOf: of('operator') } },
          },
        },
      },
      sinks: { type: 'object', description: 'Named sinks.', additionalProperties: { oneOf: of('sink', SINK_COMMON) } },
    },
  };
}

/** An option as it appears in a component's JSON Schema (what `list` and the reference render). */
export interface OptionProperty {
  description?: string;
  default?: unknown;
  examples?: unknown[];
  type?: string | string[];
  enum?: unknown[];
  anyOf?: OptionProperty[];
  properties?: Record<string, OptionProperty>;
  required?: string[];
}

/** A short type description: `"a" | "b"` for enums, `string | number` for unions. */
export function optionTypeText(p: OptionProperty, quote: (v: string) => string = (v) => v, separator = ' | '): string {
  if (p.enum) return p.enum.map((v) => quote(JSON.stringify(v))).join(separator);
  if (p.anyOf) return [...new Set(p.anyOf.map((x) => optionTypeText(x, quote, separator)))].join(separator);
  if (Array.isArray(p.type)) return p.type.join(separator);
  return p.type ?? 'any';
}
