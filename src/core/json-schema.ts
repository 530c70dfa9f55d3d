import { z } from 'zod';
import type { ComponentDefinition } from './component.js';
import { MAX_NAME_LENGTH, NAME, sinkCommon, topLevel, transformShape } from './config/pipeline-schema.js';
import { formatByteSize, formatDuration, QUANTITY, quantityOf } from './options.js';
import type { Registry } from './registry.js';

type JsonSchema = Record<string, unknown>;

/**
 * JSON Schema of a zod schema as a user writes it (the input side of transforms), with defaults in
 * the form a user would write them: `64MiB` and `10ms`, not the numbers the code gets.
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const zodSchema = ctx.zodSchema as unknown as z.ZodType;
      // zod leaves out examples and defaults of options that transform their input (durations,
      // sizes): they are written in the input form, so put them back.
      const meta = z.globalRegistry.get(zodSchema);
      if (meta?.examples && ctx.jsonSchema.examples === undefined) ctx.jsonSchema.examples = meta.examples as unknown[];
      const def = zodSchema._zod.def as { type: string; defaultValue?: unknown; innerType?: z.ZodType };
      if (def.type === 'default' && def.innerType) ctx.jsonSchema.default = displayValue(def.innerType, def.defaultValue);
      // Editors check the text form of durations and sizes too.
      const quantity = quantityOf(zodSchema);
      const branches = ctx.jsonSchema.anyOf as JsonSchema[] | undefined;
      const text = Array.isArray(branches) ? branches.find((b) => b.type === 'string') : undefined;
      if (quantity && text) text.pattern = QUANTITY_PATTERNS[quantity];
    },
  }) as JsonSchema;
  delete json.$schema;
  return json;
}

const QUANTITY_PATTERNS = {
  duration: '^\\s*\\d+(\\.\\d+)?\\s*(ns|us|ms|s|min|m|h)\\s*$',
  size: '^\\s*\\d+(\\.\\d+)?\\s*([bB]|[kKmMgG][iI]?[bB])?\\s*$',
};

/** JSON Schema of one component's options. */
export function optionsJsonSchema(definition: ComponentDefinition): JsonSchema {
  return toJsonSchema(definition.options);
}

/** A value the code holds (a default) in the form a pipeline file writes it, following the schema. */
function displayValue(schema: z.ZodType, value: unknown): unknown {
  const quantity = quantityOf(schema);
  if (quantity !== undefined && typeof value === 'number') return quantity === 'duration' ? formatDuration(value) : formatByteSize(value);
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType };
  if (def.innerType) return displayValue(def.innerType, value);
  if (value === null || typeof value !== 'object') return value;
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.ZodType>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape[k] ? displayValue(shape[k], v) : v]));
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) return value.map((v) => displayValue(schema.element as z.ZodType, v));
  if (schema instanceof z.ZodRecord) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, displayValue(schema.valueType as z.ZodType, v)]));
  return value;
}

/** One component as a pipeline-file entry: `type` fixed to its name, then (sinks) the common keys, then its options. */
function entrySchema(definition: ComponentDefinition, common: z.ZodRawShape = {}) {
  const withoutType = (shape: z.ZodRawShape) => Object.fromEntries(Object.entries(shape).filter(([key]) => key !== 'type'));
  return z
    .strictObject({
      type: z.literal(definition.type).meta({ description: definition.summary }),
      ...withoutType(common),
      ...withoutType(definition.options.shape),
    })
    .meta({ description: definition.summary });
}

/** Exactly one entry per type, chosen by `type` (a JSON Schema oneOf). */
function entriesOf(registry: Registry, role: ComponentDefinition['role'], common?: z.ZodRawShape): z.ZodType {
  const entries = registry.all().filter((d) => d.role === role).map((d) => entrySchema(d, common));
  if (entries.length === 1) return entries[0];
  return z.discriminatedUnion('type', entries as unknown as [ReturnType<typeof entrySchema>, ...ReturnType<typeof entrySchema>[]]);
}

/**
 * The JSON Schema of a whole pipeline file, for editor completion and checking (`pipeline schema`):
 * the same zod objects that validation uses, with the registry's components filled in.
 */
export function pipelineJsonSchema(registry: Registry): JsonSchema {
  const names = z.string().max(MAX_NAME_LENGTH).regex(NAME);
  const section = <T extends z.ZodType>(original: z.ZodType, value: T) => z.record(names, value).meta(original.meta() ?? {});
  const top = topLevel.shape;
  const transform = z.strictObject({
    ...transformShape.shape,
    steps: z.array(entriesOf(registry, 'operator')).min(1).meta(transformShape.shape.steps.meta() ?? {}),
  });
  const file = z
    .strictObject({
      ...top,
      sources: section(top.sources, entriesOf(registry, 'source')),
      transforms: section(top.transforms, transform).optional(),
      sinks: section(top.sinks, entriesOf(registry, 'sink', sinkCommon.shape)),
    })
    .meta({ title: 'telemetry-pipeline pipeline file' });
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...toJsonSchema(file) };
}

/** The JSON Schema of the keys every sink has besides its own options (for the reference). */
export function sinkCommonJsonSchema(): JsonSchema {
  return toJsonSchema(sinkCommon.omit({ type: true }));
}

/** An option as it appears in a component's JSON Schema (what `list` and the reference render). */
export interface OptionProperty {
  description?: string;
  default?: unknown;
  examples?: unknown[];
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: OptionProperty[];
  oneOf?: OptionProperty[];
  properties?: Record<string, OptionProperty>;
  items?: OptionProperty;
  additionalProperties?: OptionProperty | boolean;
  required?: string[];
  [QUANTITY]?: string;
}

/** A short type description: `"a" | "b"` for enums, `duration`, `list of string`, `map of string`. */
export function optionTypeText(p: OptionProperty, quote: (v: string) => string = (v) => v, separator = ' | '): string {
  if (p[QUANTITY]) return p[QUANTITY];
  if (p.enum) return p.enum.map((v) => quote(JSON.stringify(v))).join(separator);
  if (p.const !== undefined) return quote(JSON.stringify(p.const));
  const branches = p.anyOf ?? p.oneOf;
  if (branches) return [...new Set(branches.map((x) => optionTypeText(x, quote, separator)))].join(separator);
  if (p.type === 'array' && p.items) return `list of ${p.items.properties ? 'objects' : optionTypeText(p.items, quote, separator)}`;
  if (p.type === 'object' && !p.properties && typeof p.additionalProperties === 'object') {
    const value = p.additionalProperties;
    return `map of ${value.properties ? 'objects' : optionTypeText(value, quote, separator)}`;
  }
  if (Array.isArray(p.type)) return p.type.join(separator);
  return p.type ?? 'any';
}

export interface OptionRow {
  /** Dotted name: `repeat.fields[].type` for a field of a list item, `names.<key>` for a map value. */
  readonly name: string;
  readonly property: OptionProperty;
  readonly required: boolean;
}

/**
 * Every option of an object schema at every depth, parents first: nested objects, the fields of
 * list items (decode's `fields[]`) and of map values, and the fields of object alternatives.
 */
export function optionRows(schema: OptionProperty, prefix = ''): OptionRow[] {
  const rows: OptionRow[] = [];
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    rows.push({ name: prefix + name, property, required: required.has(name) });
    rows.push(...nestedRows(property, prefix + name));
  }
  return rows;
}

function nestedRows(p: OptionProperty, name: string): OptionRow[] {
  if (p.properties) return optionRows(p, `${name}.`);
  if (p.items) return nestedRows(p.items, `${name}[]`);
  if (typeof p.additionalProperties === 'object') return nestedRows(p.additionalProperties, `${name}.<key>`);
  const branches = p.anyOf ?? p.oneOf;
  if (!branches) return [];
  const seen = new Set<string>();
  return branches.flatMap((branch) => nestedRows(branch, name)).filter((row) => !seen.has(row.name) && seen.add(row.name));
}
