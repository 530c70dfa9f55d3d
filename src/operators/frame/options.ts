import { z } from 'zod';
import { hexBytes } from '../../core/options.js';
import { checkCrcOptions, crcMinLength, crcObject, crcSettings } from '../crc/options.js';
import { deadLetterOption } from '../dead-letters.js';
import { UINT_BYTES, UINT_TYPES } from '../uint-field.js';

/** Longest frame a config may ask for: the framer keeps up to about twice this per stream while it waits. */
export const MAX_FRAME_LENGTH = 16 * 1024 * 1024;
const tooLong = `at most ${MAX_FRAME_LENGTH} (16 MiB): the framer holds up to this many bytes per stream while a frame is incomplete`;

export const FRAME_FORMATS = ['delimited', 'cobs', 'slip', 'hdlc', 'fixed', 'lines'] as const;

/** Which options each format reads; any other format-specific option set is a config error. */
const USED_BY: Record<string, readonly (typeof FRAME_FORMATS)[number][]> = {
  start: ['delimited'],
  end: ['delimited'],
  length: ['delimited'],
  size: ['fixed'],
  sync: ['fixed'],
  crc: ['delimited', 'cobs', 'slip', 'hdlc', 'fixed'],
};

const shape = {
  format: z.enum(FRAME_FORMATS).default('delimited').meta({
    description: 'delimited (start/end bytes, length field), cobs, slip (RFC 1055), hdlc (RFC 1662 flags and escapes), fixed (size, optional sync), lines (text).',
    examples: ['delimited', 'cobs'],
  }),
  start: hexBytes().optional().meta({ description: 'Start byte(s) of a delimited frame.', examples: [0x7b, '7B 01'] }),
  end: hexBytes().optional().meta({ description: 'End byte(s) of a delimited frame, checked at the frame end.', examples: [0x7d] }),
  length: z
    .strictObject({
      offset: z.number().int().nonnegative().meta({ description: 'Offset of the length field from the frame start.', examples: [8] }),
      type: z.enum(UINT_TYPES).default('u16le').meta({ description: 'Width and byte order of the length field.', examples: ['u16le'] }),
      adjust: z.number().int().default(0).meta({ description: 'Added to the field value to get the total frame length in bytes.', examples: [13] }),
    })
    .optional()
    .meta({ description: 'Length field of a delimited frame: total length = value + adjust.', examples: [{ offset: 8, type: 'u16le', adjust: 13 }] }),
  size: z.number().int().positive().max(MAX_FRAME_LENGTH, tooLong).optional().meta({ description: 'Frame size in bytes for the fixed format.', examples: [64] }),
  sync: hexBytes().optional().meta({ description: 'Sync bytes that start every fixed-size frame.', examples: ['AA 55'] }),
  max_length: z.number().int().positive().max(MAX_FRAME_LENGTH, tooLong).default(4096).meta({
    description:
      'Longest frame in bytes (unescaped), at most 16 MiB; longer candidates are rejected as oversize. Keep it near the real longest frame: without a CRC, a longer limit lets more noise pass for a frame.',
    examples: [4096, 512],
  }),
  crc: crcObject.optional().meta({
    description:
      'Validate candidate frames with this CRC while scanning (same keys as the crc step): a candidate that fails is rejected and scanning resumes at its next byte. Without a CRC, delimited frames are confirmed by the start of the next frame instead: every intact frame is still found, but impostors made of noise can be emitted too, and a frame after noise is passed on only once the next one starts.',
    examples: [{ algorithm: 'CRC-16/IBM-3740', over: [1, -3], value: { offset: -3, type: 'u16le' } }],
  }),
  dead_letter: deadLetterOption(),
};

/** Frame options; format-specific keys are checked against the format, with key paths. */
export const frameOptions = z.strictObject(shape).superRefine((o, ctx) => {
  for (const [key, formats] of Object.entries(USED_BY)) {
    if (o[key as keyof typeof o] !== undefined && !formats.includes(o.format)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `${key} does not apply to format ${o.format} (only ${formats.join(', ')})` });
    }
  }
  if (o.format === 'delimited') {
    if (o.start === undefined || o.start.length === 0) ctx.addIssue({ code: 'custom', path: ['start'], message: 'format delimited needs start byte(s), e.g. start: 0x7B' });
    if (o.length !== undefined) {
      const fieldEnd = o.length.offset + UINT_BYTES[o.length.type];
      if (fieldEnd > o.max_length) {
        ctx.addIssue({ code: 'custom', path: ['length', 'offset'], message: `the length field ends at byte ${fieldEnd}, beyond max_length ${o.max_length}` });
      }
    }
  }
  if (o.format === 'fixed') {
    if (o.size === undefined) ctx.addIssue({ code: 'custom', path: ['size'], message: 'format fixed needs size (bytes per frame)' });
    else if (o.sync !== undefined && o.sync.length >= o.size) ctx.addIssue({ code: 'custom', path: ['sync'], message: `sync (${o.sync.length} bytes) must be shorter than size ${o.size}` });
  }
  if (o.crc !== undefined) {
    const longest = o.format === 'fixed' ? o.size : o.max_length;
    if (checkCrcOptions(o.crc, ctx, ['crc']) && longest !== undefined) {
      const need = crcMinLength(crcSettings(o.crc));
      if (need > longest) {
        ctx.addIssue({ code: 'custom', path: ['crc', 'over'], message: `the CRC range and value need frames of at least ${need} bytes, but frames have at most ${longest}` });
      }
    }
  }
});

export type FrameOptions = z.output<typeof frameOptions>;
