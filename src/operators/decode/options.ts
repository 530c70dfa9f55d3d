import { z } from 'zod';
import { hexBytes } from '../../core/options.js';
import { deadLetterOption } from '../dead-letters.js';
import { UINT_TYPES } from '../uint-field.js';

/**
 * Binary field types: integer and float types with an optional byte order suffix (no suffix means
 * little-endian), plus `bytes` and `string` runs.
 */
const BASE_TYPES = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'u64', 'i64', 'f32', 'f64'] as const;
const MULTI_BYTE = ['u16', 'i16', 'u32', 'i32', 'u64', 'i64', 'f32', 'f64'] as const;
/** Every binary field type name accepted in `fields` and `repeat.fields`. */
export const FIELD_TYPES = [...BASE_TYPES, ...MULTI_BYTE.flatMap((t) => [`${t}le`, `${t}be`] as const), 'bytes', 'string'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
export type BaseType = (typeof BASE_TYPES)[number];

export const TEXT_TYPES = [...BASE_TYPES, 'string'] as const;

const name = () => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a column name (letters, digits, _)');

const fieldShape = {
  name: name().meta({ description: 'Output column name.', examples: ['seq'] }),
  type: z.enum(FIELD_TYPES).meta({ description: 'Field type: u8 i8 u16 i16 u32 i32 u64 i64 f32 f64 with le/be suffix (none = le), bytes, string.', examples: ['u16le', 'f32be'] }),
  unit: z.string().optional().meta({ description: 'Physical unit stored in the schema.', examples: ['V'] }),
  length: z.number().int().positive().optional().meta({ description: 'Byte count of a bytes or string field; default: to the end of the frame.', examples: [16] }),
};

const headerField = z.strictObject({
  ...fieldShape,
  offset: z.number().int().meta({ description: 'Byte offset in the frame; negative counts from the end.', examples: [2, -3] }),
});

const groupField = z.strictObject({
  ...fieldShape,
  offset: z.number().int().nonnegative().optional().meta({ description: 'Offset inside the group; default: right after the previous field.', examples: [4] }),
});

const countField = z.strictObject({
  offset: z.number().int().meta({ description: 'Offset of the count field in the frame.', examples: [8] }),
  type: z.enum(UINT_TYPES).meta({ description: 'Type of the count field.', examples: ['u16le'] }),
  in: z.enum(['groups', 'bytes']).default('groups').meta({ description: 'Whether the field counts groups or payload bytes (divided by the stride).', examples: ['bytes'] }),
});

const repeat = z.strictObject({
  offset: z.number().int().nonnegative().meta({ description: 'Offset of the first group in the frame.', examples: [10] }),
  fields: z.array(groupField).min(1).meta({ description: 'Fields of one group; one output row per group.', examples: [[{ name: 'voltage_raw', type: 'u32le' }]] }),
  count: z.union([z.number().int().nonnegative(), countField]).optional().meta({
    description: 'Number of groups: a constant or a count field in the frame; default: as many whole groups as fit before `until`.',
    examples: [25, { offset: 8, type: 'u16le' }],
  }),
  until: z.number().int().nonpositive().default(0).meta({ description: 'Where the groups end, counted from the frame end (e.g. -3 before a CRC and end byte).', examples: [-3] }),
  stride: z.number().int().positive().optional().meta({ description: 'Bytes per group; default: the end of the last field.', examples: [8] }),
  index_as: name().optional().meta({ description: 'Adds a u32 column with the group index within its frame.', examples: ['i'] }),
});

const textColumn = z.strictObject({
  name: name().meta({ description: 'Column name (csv: header name or position order; key_value: the key).', examples: ['temp'] }),
  type: z.enum(TEXT_TYPES).default('f64').meta({ description: 'Column type.', examples: ['f64', 'string'] }),
  unit: z.string().optional().meta({ description: 'Physical unit stored in the schema.', examples: ['C'] }),
});

const text = z.strictObject({
  format: z.enum(['csv', 'key_value']).meta({ description: 'csv: delimited values; key_value: pairs like "t=12 v=3.3" (= or :, separated by spaces, commas or semicolons).', examples: ['csv'] }),
  header: z.boolean().default(false).meta({ description: 'csv: the first line names the columns.', examples: [true] }),
  delimiter: z.string().length(1).default(',').meta({ description: 'csv: value delimiter.', examples: [',', ';'] }),
  columns: z.array(textColumn).optional().meta({ description: 'Columns to output; csv with header may omit them (every header column as f64).', examples: [[{ name: 'temp', type: 'f64' }]] }),
});

/** Decode options: binary fields (with repeat and when) or text; clashes are reported with key paths. */
export const decodeOptions = z
  .strictObject({
    fields: z.array(headerField).default([]).meta({ description: 'Fields at fixed offsets; repeated on every row of their frame when `repeat` is used.', examples: [[{ name: 'seq', type: 'u16le', offset: 2 }]] }),
    repeat: repeat.optional().meta({ description: 'Arrays of sample groups: one output row per group.', examples: [{ offset: 10, index_as: 'i', fields: [{ name: 'voltage_raw', type: 'u32le' }] }] }),
    when: z
      .strictObject({
        offset: z.number().int().meta({ description: 'Offset of the byte(s) to compare.', examples: [1] }),
        equals: hexBytes().meta({ description: 'Byte value(s) a frame must hold there to be decoded.', examples: [0x01, '01 00'] }),
      })
      .optional()
      .meta({ description: 'Decode only frames of one type; others are passed over and counted as frames_skipped.', examples: [{ offset: 1, equals: 0x01 }] }),
    text: text.optional().meta({ description: 'Decode text lines (from `frame` format lines) instead of binary fields.', examples: [{ format: 'csv', header: true }] }),
    dead_letter: deadLetterOption(),
  })
  .superRefine((o, ctx) => {
    if (o.text) {
      if (o.fields.length) ctx.addIssue({ code: 'custom', path: ['fields'], message: 'fields and text exclude each other' });
      if (o.repeat) ctx.addIssue({ code: 'custom', path: ['repeat'], message: 'repeat and text exclude each other' });
      if (!o.text.columns && (o.text.format === 'key_value' || !o.text.header)) {
        ctx.addIssue({ code: 'custom', path: ['text', 'columns'], message: `text format ${o.text.format}${o.text.format === 'csv' ? ' without header' : ''} needs columns` });
      }
    } else if (!o.fields.length && !o.repeat) {
      ctx.addIssue({ code: 'custom', path: ['fields'], message: 'decode needs fields, repeat or text' });
    }
    const names = [...o.fields, ...(o.repeat?.fields ?? []), ...(o.text?.columns ?? [])].map((f) => f.name);
    if (o.repeat?.index_as) names.push(o.repeat.index_as);
    names.push('host_time');
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) ctx.addIssue({ code: 'custom', path: ['fields'], message: `column "${n}" is defined twice${n === 'host_time' ? ' (host_time is added by decode)' : ''}` });
      seen.add(n);
    }
    for (const [i, f] of [...o.fields.entries()]) {
      if ((f.type === 'bytes' || f.type === 'string') && f.length === undefined && f.offset < 0) {
        ctx.addIssue({ code: 'custom', path: ['fields', i, 'length'], message: 'a bytes or string field at a negative offset needs length' });
      }
    }
    o.repeat?.fields.forEach((f, i) => {
      if ((f.type === 'bytes' || f.type === 'string') && f.length === undefined) {
        ctx.addIssue({ code: 'custom', path: ['repeat', 'fields', i, 'length'], message: 'bytes and string fields in a group need length' });
      }
    });
  });

export type DecodeOptions = z.output<typeof decodeOptions>;
export type HeaderField = DecodeOptions['fields'][number];
export type GroupField = NonNullable<DecodeOptions['repeat']>['fields'][number];
