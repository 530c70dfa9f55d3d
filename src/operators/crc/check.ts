import { resolveCrc } from '../../core/crc/index.js';
import { UINT_BYTES, UINT_READERS } from '../uint-field.js';
import type { CrcSettings } from './options.js';

/** Outcome of checking one frame: the CRC matches, does not, or the frame is too short to hold it. */
export const CRC_OK = 0;
export const CRC_BAD = 1;
export const CRC_SHORT = 2;
export type CrcVerdict = typeof CRC_OK | typeof CRC_BAD | typeof CRC_SHORT;

/** A function that checks the frame at `buf[offset, offset + length)`; allocation-free. */
export type CrcCheck = (buf: Uint8Array, offset: number, length: number) => CrcVerdict;

/** Builds the frame check for resolved CRC settings. */
export function crcCheck(settings: CrcSettings): CrcCheck {
  const crc = resolveCrc(settings.params);
  const { from, to, valueOffset, valueType } = settings;
  const valueBytes = UINT_BYTES[valueType];
  const readValue = UINT_READERS[valueType];
  return (buf, offset, length) => {
    const start = from >= 0 ? from : length + from;
    const end = to > 0 ? to : length + to;
    const at = valueOffset >= 0 ? valueOffset : length + valueOffset;
    if (start < 0 || end > length || start > end || at < 0 || at + valueBytes > length) return CRC_SHORT;
    return crc.compute(buf, offset + start, offset + end) === readValue(buf, offset + at) ? CRC_OK : CRC_BAD;
  };
}
