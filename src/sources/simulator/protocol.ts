import { crc16Ibm3740 } from './crc16.js';

/**
 * The reference device protocol (little-endian), spoken by the simulator and used in examples and tests:
 *
 * | offset | size | field                                             |
 * |--------|------|---------------------------------------------------|
 * | 0      | 1    | start byte 0x7B                                   |
 * | 1      | 1    | type: 0x01 samples, 0x02 task switches, 0x03 log  |
 * | 2      | 2    | seq, u16, +1 per frame, wraps                     |
 * | 4      | 4    | t_ticks, u32 device timer at 1 MHz, wraps         |
 * | 8      | 2    | N, payload length                                 |
 * | 10     | N    | payload                                           |
 * | 10+N   | 2    | CRC-16/IBM-3740 over bytes 1 .. 9+N               |
 * | 12+N   | 1    | end byte 0x7D                                     |
 */
export const FRAME_START = 0x7b;
export const FRAME_END = 0x7d;
export const HEADER_BYTES = 10;
export const TRAILER_BYTES = 3;
export const FRAME_OVERHEAD = HEADER_BYTES + TRAILER_BYTES;
export const TICKS_PER_SECOND = 1_000_000;

export const FrameType = { samples: 0x01, taskSwitches: 0x02, log: 0x03 } as const;

/** Calibration of the harvester's sample block: SI value = raw * gain. */
export const VOLTAGE_GAIN = 3e-9;
export const CURRENT_GAIN = 250e-12;
/** Bytes per sample in a sample block: voltage_raw u32, current_raw u32. */
export const SAMPLE_BYTES = 8;
/** Bytes per task-switch record: t_ticks u32, task_id u16, event u8, reserved u8. */
export const TASK_EVENT_BYTES = 8;

/**
 * Writes one frame into `target` at `offset` (the payload must already be at offset + 10, so
 * generators can fill it in place without a copy) and returns the frame's total length.
 */
export function sealFrame(target: Buffer, offset: number, type: number, seq: number, ticks: number, payloadLength: number): number {
  target[offset] = FRAME_START;
  target[offset + 1] = type;
  target.writeUInt16LE(seq & 0xffff, offset + 2);
  target.writeUInt32LE(ticks >>> 0, offset + 4);
  target.writeUInt16LE(payloadLength, offset + 8);
  const crcEnd = offset + HEADER_BYTES + payloadLength;
  target.writeUInt16LE(crc16Ibm3740(target, offset + 1, crcEnd), crcEnd);
  target[crcEnd + 2] = FRAME_END;
  return payloadLength + FRAME_OVERHEAD;
}

/** Builds one frame as a new buffer; convenient for tests and examples. */
export function encodeFrame(type: number, seq: number, ticks: number, payload: Uint8Array): Buffer {
  const frame = Buffer.alloc(payload.length + FRAME_OVERHEAD);
  frame.set(payload, HEADER_BYTES);
  sealFrame(frame, 0, type, seq, ticks, payload.length);
  return frame;
}
