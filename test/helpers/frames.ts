import { crc16Ibm3740 } from '../../src/sources/simulator/crc16.js';

export interface ParsedFrame {
  type: number;
  seq: number;
  ticks: number;
  payload: Buffer;
  crcOk: boolean;
}

/**
 * A deliberately simple reference reader for the reference protocol, for checking the simulator's
 * output in tests: scans for 0x7B, trusts the length field, requires the 0x7D end byte, and counts
 * what it had to skip. (The product's framer is the `frame` operator; this is an independent check.)
 */
export function readFrames(data: Buffer): { frames: ParsedFrame[]; skipped: number } {
  const frames: ParsedFrame[] = [];
  let skipped = 0;
  let at = 0;
  while (at < data.length) {
    if (data[at] !== 0x7b || at + 13 > data.length) {
      skipped++;
      at++;
      continue;
    }
    const n = data.readUInt16LE(at + 8);
    const end = at + 12 + n;
    if (end >= data.length || data[end] !== 0x7d) {
      skipped++;
      at++;
      continue;
    }
    const crc = data.readUInt16LE(at + 10 + n);
    frames.push({ type: data[at + 1], seq: data.readUInt16LE(at + 2), ticks: data.readUInt32LE(at + 4), payload: data.subarray(at + 10, at + 10 + n), crcOk: crc === crc16Ibm3740(data, at + 1, at + 10 + n) });
    at = end + 1;
  }
  return { frames, skipped };
}
