import { editDistance } from '../config/did-you-mean.js';

/**
 * CRC parameter sets in the Rocksoft model used by the CRC RevEng catalogue: `width`, `poly` (normal,
 * not reflected), `init`, `refin`, `refout`, `xorout`, and `check`, the CRC of the ASCII string
 * "123456789". Names and aliases follow that catalogue, so users can paste the name from a datasheet.
 */
export interface CrcParams {
  readonly width: number;
  readonly poly: number;
  readonly init: number;
  readonly refin: boolean;
  readonly refout: boolean;
  readonly xorout: number;
}

/** A named parameter set with its aliases and published check value. */
export interface CatalogueEntry extends CrcParams {
  readonly name: string;
  readonly aliases: readonly string[];
  /** CRC of "123456789", pinned by the tests. */
  readonly check: number;
}

/** The algorithms known by name; the tests pin each to its check value. */
export const CRC_CATALOGUE: readonly CatalogueEntry[] = [
  { name: 'CRC-8/SMBUS', aliases: ['CRC-8'], width: 8, poly: 0x07, init: 0x00, refin: false, refout: false, xorout: 0x00, check: 0xf4 },
  { name: 'CRC-8/MAXIM-DOW', aliases: ['CRC-8/MAXIM', 'DOW-CRC'], width: 8, poly: 0x31, init: 0x00, refin: true, refout: true, xorout: 0x00, check: 0xa1 },
  { name: 'CRC-8/AUTOSAR', aliases: [], width: 8, poly: 0x2f, init: 0xff, refin: false, refout: false, xorout: 0xff, check: 0xdf },
  {
    name: 'CRC-16/IBM-3740',
    aliases: ['CRC-16/CCITT-FALSE', 'CCITT-FALSE', 'CRC-16/AUTOSAR'],
    width: 16, poly: 0x1021, init: 0xffff, refin: false, refout: false, xorout: 0x0000, check: 0x29b1,
  },
  { name: 'CRC-16/MODBUS', aliases: ['MODBUS'], width: 16, poly: 0x8005, init: 0xffff, refin: true, refout: true, xorout: 0x0000, check: 0x4b37 },
  { name: 'CRC-16/XMODEM', aliases: ['CRC-16/ZMODEM', 'CRC-16/ACORN', 'CRC-16/LTE', 'CRC-16/V-41-MSB', 'XMODEM', 'ZMODEM'], width: 16, poly: 0x1021, init: 0x0000, refin: false, refout: false, xorout: 0x0000, check: 0x31c3 },
  { name: 'CRC-16/KERMIT', aliases: ['CRC-16/CCITT', 'CRC-16/CCITT-TRUE', 'CRC-16/V-41-LSB', 'KERMIT'], width: 16, poly: 0x1021, init: 0x0000, refin: true, refout: true, xorout: 0x0000, check: 0x2189 },
  { name: 'CRC-16/IBM-SDLC', aliases: ['CRC-16/X-25', 'X-25', 'CRC-16/ISO-HDLC', 'CRC-16/ISO-IEC-14443-3-B', 'CRC-B'], width: 16, poly: 0x1021, init: 0xffff, refin: true, refout: true, xorout: 0xffff, check: 0x906e },
  { name: 'CRC-16/ARC', aliases: ['ARC', 'CRC-16', 'CRC-16/LHA', 'CRC-IBM'], width: 16, poly: 0x8005, init: 0x0000, refin: true, refout: true, xorout: 0x0000, check: 0xbb3d },
  { name: 'CRC-32/ISO-HDLC', aliases: ['CRC-32', 'CRC-32/ADCCP', 'CRC-32/V-42', 'CRC-32/XZ', 'PKZIP'], width: 32, poly: 0x04c11db7, init: 0xffffffff, refin: true, refout: true, xorout: 0xffffffff, check: 0xcbf43926 },
  { name: 'CRC-32/ISCSI', aliases: ['CRC-32C', 'CRC-32/BASE91-C', 'CRC-32/CASTAGNOLI', 'CRC-32/INTERLAKEN'], width: 32, poly: 0x1edc6f41, init: 0xffffffff, refin: true, refout: true, xorout: 0xffffffff, check: 0xe3069283 },
  { name: 'CRC-32/BZIP2', aliases: ['CRC-32/AAL5', 'CRC-32/DECT-B', 'B-CRC-32'], width: 32, poly: 0x04c11db7, init: 0xffffffff, refin: false, refout: false, xorout: 0xffffffff, check: 0xfc891918 },
  { name: 'CRC-32/MPEG-2', aliases: [], width: 32, poly: 0x04c11db7, init: 0xffffffff, refin: false, refout: false, xorout: 0x00000000, check: 0x0376e6e7 },
];

const BY_NAME = new Map<string, CatalogueEntry>();
for (const entry of CRC_CATALOGUE) {
  for (const name of [entry.name, ...entry.aliases]) BY_NAME.set(name.toUpperCase(), entry);
}

/** Looks a catalogue entry up by name or alias, case-insensitively; undefined when unknown. */
export function findCrc(name: string): CatalogueEntry | undefined {
  return BY_NAME.get(name.trim().toUpperCase());
}

/**
 * The catalogue name a mistyped one most likely means: the same letters and digits written another
 * way (`crc16-modbus` for CRC-16/MODBUS) or two letters off; as a sentence fragment, or "". Names
 * differ in few letters (CRC-16/ARC, CRC-16/KERMIT), so anything further is no suggestion.
 */
export function suggestCrc(name: string): string {
  const squash = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]/g, '');
  const wanted = squash(name);
  if (wanted.length > 100) return '';
  let best: { entry: CatalogueEntry; distance: number } | undefined;
  for (const entry of CRC_CATALOGUE) {
    for (const candidate of [entry.name, ...entry.aliases]) {
      const distance = editDistance(wanted, squash(candidate));
      if (!best || distance < best.distance) best = { entry, distance };
    }
  }
  return best && best.distance <= 2 ? ` (did you mean "${best.entry.name}"?)` : '';
}

/** Every accepted name, canonical names first with their aliases, for error messages. */
export function knownCrcNames(): string {
  return CRC_CATALOGUE.map((e) => (e.aliases.length ? `${e.name} (${e.aliases.join(', ')})` : e.name)).join('; ');
}
