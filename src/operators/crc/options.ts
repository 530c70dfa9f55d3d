import { z } from 'zod';
import { crcParamsProblem, findCrc, knownCrcNames, suggestCrc, type CrcParams } from '../../core/crc/index.js';
import { UINT_BYTES, UINT_TYPES, type UintType } from '../uint-field.js';

/**
 * CRC options shared by the `crc` step and the `crc` option of `frame` (which uses them to validate
 * candidate frames while resynchronising).
 */

/** An unsigned integer written as a number (0x1021 in YAML) or a hex string ("0x1021"). */
function uint() {
  return z.union([z.number().int().nonnegative(), z.string().regex(/^(0x)?[0-9a-fA-F]+$/, 'a hex number like 0x1021')]).transform((v) =>
    typeof v === 'number' ? v : parseInt(v.replace(/^0x/i, ''), 16),
  );
}

const customAlgorithm = z.strictObject({
  width: z.number().int().meta({ description: 'CRC width in bits, 1..32.', examples: [16] }),
  poly: uint().meta({ description: 'Generator polynomial in normal (not reflected) form.', examples: [0x1021] }),
  init: uint().default(0).meta({ description: 'Initial register value.', examples: [0xffff] }),
  refin: z.boolean().default(false).meta({ description: 'Reflect each input byte.', examples: [false] }),
  refout: z.boolean().default(false).meta({ description: 'Reflect the register before the final xor.', examples: [false] }),
  xorout: uint().default(0).meta({ description: 'Value xored into the final register.', examples: [0] }),
});


const crcShape = {
  algorithm: z
    .union([z.string(), customAlgorithm])
    .meta({
      description: `Catalogue name or alias (${knownCrcNames()}), or custom parameters {width, poly, init, refin, refout, xorout}.`,
      examples: ['CRC-16/IBM-3740', { width: 16, poly: 0x1021, init: 0xffff, refin: false, refout: false, xorout: 0 }],
    }),
  over: z
    .tuple([z.number().int(), z.number().int()])
    .optional()
    .meta({
      description: 'Byte range [from, to) of the frame the CRC covers; negative counts from the end, and a `to` of 0 means the end. Default: from 0 up to the CRC value.',
      examples: [[1, -3]],
    }),
  value: z
    .strictObject({
      offset: z.number().int().meta({ description: 'Offset of the CRC value in the frame; negative counts from the end.', examples: [-3] }),
      type: z.enum(UINT_TYPES).meta({ description: 'Width and byte order of the stored CRC value.', examples: ['u16le'] }),
    })
    .optional()
    .meta({ description: 'Where the CRC sits in the frame. Default: the last bytes, little-endian, as wide as the algorithm.', examples: [{ offset: -3, type: 'u16le' }] }),
};

/** The CRC options (algorithm, range, value position) as a strict object. */
export const crcObject = z.strictObject(crcShape);
export type CrcOptionsInput = z.input<typeof crcObject>;
export type CrcOptions = z.output<typeof crcObject>;

/** Resolved CRC settings: parameters, range and value position, with defaults filled in. */
export interface CrcSettings {
  readonly params: CrcParams;
  readonly from: number;
  readonly to: number;
  readonly valueOffset: number;
  readonly valueType: UintType;
}

function defaultValueType(width: number): UintType {
  return width <= 8 ? 'u8' : width <= 16 ? 'u16le' : 'u32le';
}

/** The algorithm as the file gives it, for messages: its name, or the custom parameters. */
export function algorithmText(options: CrcOptions): string {
  if (typeof options.algorithm === 'string') return options.algorithm;
  const a = options.algorithm;
  return `custom: width ${a.width}, poly 0x${a.poly.toString(16)}, init 0x${a.init.toString(16)}, refin ${a.refin}, refout ${a.refout}, xorout 0x${a.xorout.toString(16)}`;
}

/** Fills defaults in; call after `checkCrcOptions` found no problem. */
export function crcSettings(options: CrcOptions): CrcSettings {
  const params = typeof options.algorithm === 'string' ? findCrc(options.algorithm)! : options.algorithm;
  const valueType = options.value?.type ?? defaultValueType(params.width);
  const valueOffset = options.value?.offset ?? -UINT_BYTES[valueType];
  const [from, to] = options.over ?? [0, valueOffset];
  return { params, from, to, valueOffset, valueType };
}

/** Adds an issue with a key path for each problem in CRC options (`base` is where they sit); true when none. */
export function checkCrcOptions(options: CrcOptions, ctx: z.RefinementCtx, base: (string | number)[] = []): boolean {
  if (typeof options.algorithm === 'string') {
    if (!findCrc(options.algorithm)) {
      ctx.addIssue({ code: 'custom', path: [...base, 'algorithm'], message: `unknown CRC algorithm "${options.algorithm}"${suggestCrc(options.algorithm)}; known: ${knownCrcNames()}` });
      return false;
    }
  } else {
    const problem = crcParamsProblem(options.algorithm);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: [...base, 'algorithm', problem.split(' ')[0]], message: problem });
      return false;
    }
  }
  const settings = crcSettings(options);
  let ok = true;
  const bits = UINT_BYTES[settings.valueType] * 8;
  if (bits < settings.params.width || bits >= settings.params.width + 8) {
    ctx.addIssue({
      code: 'custom',
      path: [...base, 'value', 'type'],
      message: `a ${settings.params.width}-bit CRC is stored in ${Math.ceil(settings.params.width / 8)} byte(s), not in ${settings.valueType}`,
    });
    ok = false;
  }
  const { from, to } = settings;
  if ((from >= 0) === (to > 0) && from >= to) {
    ctx.addIssue({ code: 'custom', path: [...base, 'over'], message: `range [${from}, ${to}) is empty or reversed` });
    ok = false;
  }
  return ok;
}

/** The smallest frame the CRC range and value fit in; a frame size below it is a config error. */
export function crcMinLength(s: CrcSettings): number {
  const valueBytes = UINT_BYTES[s.valueType];
  const needFrom = s.from >= 0 ? s.from : -s.from;
  const needTo = s.to > 0 ? s.to : -s.to;
  const needValue = s.valueOffset >= 0 ? s.valueOffset + valueBytes : -s.valueOffset;
  return Math.max(needFrom, needTo, needValue, 1);
}
