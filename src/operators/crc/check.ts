import { resolveCrc } from '../../core/crc/index.js';
import { CRC_VALUE_BYTES, type CrcSettings } from './options.js';

/** Outcome of checking one frame: the CRC matches, does not, or the frame is too short to hold it. */
export const CRC_OK = 0;
export const CRC_BAD = 1;
export const CRC_SHORT = 2;
export type CrcVerdict = typeof CRC_OK | typeof CRC_BAD | typeof CRC_SHORT;

/** A function that checks the frame at `buf[offset, offset + length)`; allocation-free. */
export type CrcCheck = (buf: Uint8Array, offset: number, length: number) => CrcVerdict;

function readValue(buf: Uint8Array, at: number, type: CrcSettings['valueType']): number {
  switch (type) {
    case 'u8':
      return buf[at];
    case 'u16le':
      return buf[at] | (buf[at + 1] << 8);
    case 'u16be':
      return (buf[at] << 8) | buf[at + 1];
    case 'u32le':
      return (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0;
    case 'u32be':
      return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
  }
}

/** Builds the frame check for resolved CRC settings. */
export function crcCheck(settings: CrcSettings): CrcCheck {
  const crc = resolveCrc(settings.params);
  const { from, to, valueOffset, valueType } = settings;
  const valueBytes = CRC_VALUE_BYTES[valueType];
  return (buf, offset, length) => {
    const start = from >= 0 ? from : length + from;
    const end = to > 0 ? to : length + to;
    const at = valueOffset >= 0 ? valueOffset : length + valueOffset;
    if (start < 0 || end > length || start > end || at < 0 || at + valueBytes > length) return CRC_SHORT;
    return crc.compute(buf, offset + start, offset + end) === readValue(buf, offset + at, valueType) ? CRC_OK : CRC_BAD;
  };
}
