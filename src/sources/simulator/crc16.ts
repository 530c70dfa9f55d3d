/**
 * CRC-16/IBM-3740 (CCITT-FALSE): poly 0x1021, init 0xFFFF, no reflection, no final xor; check value
 * 0x29B1 for "123456789". The simulator seals its frames with it; the engine lives in src/core/crc.
 */
export { crc16Ibm3740 } from '../../core/crc/index.js';
