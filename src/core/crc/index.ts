/**
 * The CRC engine shared by the `frame` and `crc` operators and the simulator: a catalogue of named
 * algorithms and a table-driven implementation for any width from 1 to 32 bits.
 */
import { type CrcParams, findCrc, knownCrcNames } from './catalogue.js';
import { type Crc, createCrc } from './engine.js';

export { CRC_CATALOGUE, findCrc, knownCrcNames, suggestCrc, type CatalogueEntry, type CrcParams } from './catalogue.js';
export { createCrc, crcParamsProblem, reflectBits, type Crc } from './engine.js';

const cache = new Map<string, Crc>();

/** The CRC for a catalogue name (or alias) or a custom parameter set; built once and cached. */
export function resolveCrc(algorithm: string | CrcParams): Crc {
  const key = typeof algorithm === 'string' ? algorithm.trim().toUpperCase() : JSON.stringify(algorithm);
  let crc = cache.get(key);
  if (crc === undefined) {
    let params: CrcParams | undefined;
    if (typeof algorithm === 'string') {
      params = findCrc(algorithm);
      if (params === undefined) throw new Error(`unknown CRC algorithm "${algorithm}"; known: ${knownCrcNames()}`);
    } else params = algorithm;
    crc = createCrc(params);
    cache.set(key, crc);
  }
  return crc;
}

const ibm3740 = resolveCrc('CRC-16/IBM-3740');

/** CRC-16/IBM-3740 (CCITT-FALSE) of `data[start, end)`; the reference protocol seals frames with it. */
export function crc16Ibm3740(data: Uint8Array, start = 0, end = data.length): number {
  return ibm3740.compute(data, start, end);
}
