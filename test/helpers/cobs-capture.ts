// Builds pipelines/data/cobs-sensor.bin, the capture pipelines/cobs.yml replays: a COBS-framed
// environmental sensor at 50 readings/s. Deterministic; test/pipelines/cobs.test.ts checks that the
// file in the repository is exactly what this produces. Regenerate with:
//   node --import tsx test/helpers/cobs-capture.ts
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveCrc } from '../../src/core/crc/index.js';
import { prng, randomInt } from './bytes.js';
import { cobsEncode } from './encoders.js';

export const COBS_CAPTURE = {
  file: 'pipelines/data/cobs-sensor.bin',
  readings: 3000,
  /** Every 250th reading has one flipped bit (a CRC failure). */
  flippedEvery: 250,
  /** Every 333rd reading follows a burst of line noise. */
  noiseEvery: 333,
} as const;

const X25 = resolveCrc('CRC-16/IBM-SDLC');

/**
 * One reading: seq u16, t_ms u32, temperature_centi i16 (0.01 C), humidity_centi u16 (0.01 %RH),
 * vbat_mv u16, then CRC-16/IBM-SDLC little-endian. Before each frame the sensor sends a 0x00
 * so line noise never merges with a frame.
 */
export function buildCobsCapture(): Buffer {
  const random = prng(2024);
  const parts: Buffer[] = [];
  for (let n = 0; n < COBS_CAPTURE.readings; n++) {
    const reading = Buffer.alloc(16);
    reading.writeUInt16LE(n & 0xffff, 0);
    reading.writeUInt32LE(n * 20, 2);
    reading.writeInt16LE(2150 + Math.round(120 * Math.sin(n / 300)) + randomInt(random, 7) - 3, 6);
    reading.writeUInt16LE(4500 + Math.round(300 * Math.cos(n / 500)) + randomInt(random, 11) - 5, 8);
    reading.writeUInt16LE(3700 - Math.floor(n / 50), 10);
    reading.writeUInt16LE(0, 12);
    reading.writeUInt16LE(X25.compute(reading, 0, 14), 14);
    if (n % COBS_CAPTURE.flippedEvery === COBS_CAPTURE.flippedEvery - 1) reading[randomInt(random, 14)] ^= 1 << randomInt(random, 8);
    if (n % COBS_CAPTURE.noiseEvery === COBS_CAPTURE.noiseEvery - 1) {
      const noise = Buffer.alloc(3 + randomInt(random, 6));
      for (let i = 0; i < noise.length; i++) noise[i] = 1 + randomInt(random, 255);
      parts.push(Buffer.from([0x00]), noise);
    }
    parts.push(Buffer.from([0x00]), cobsEncode(reading));
  }
  return Buffer.concat(parts);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const data = buildCobsCapture();
  writeFileSync(path.join(root, COBS_CAPTURE.file), data);
  console.log(`wrote ${COBS_CAPTURE.file} (${data.length} bytes)`);
}
