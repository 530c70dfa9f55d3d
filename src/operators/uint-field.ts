/**
 * Unsigned integer fields inside frames (length fields, CRC values, count fields, route keys):
 * one byte, or 2 and 4 bytes in either byte order.
 */
export const UINT_TYPES = ['u8', 'u16le', 'u16be', 'u32le', 'u32be'] as const;
export type UintType = (typeof UINT_TYPES)[number];

export const UINT_BYTES: Readonly<Record<UintType, number>> = { u8: 1, u16le: 2, u16be: 2, u32le: 4, u32be: 4 };

/** Readers that allocate nothing; pick one when building, so the hot loop calls one function. */
export const UINT_READERS: Readonly<Record<UintType, (b: Uint8Array, at: number) => number>> = {
  u8: (b, at) => b[at],
  u16le: (b, at) => b[at] | (b[at + 1] << 8),
  u16be: (b, at) => (b[at] << 8) | b[at + 1],
  u32le: (b, at) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0,
  u32be: (b, at) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0,
};
