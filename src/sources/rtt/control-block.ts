/**
 * The SEGGER RTT control block on a 32-bit target, as every RTT host reads it:
 *
 * | offset | size | field                                  |
 * |--------|------|----------------------------------------|
 * | 0      | 16   | ID "SEGGER RTT" padded with NULs        |
 * | 16     | 4    | MaxNumUpBuffers (i32)                   |
 * | 20     | 4    | MaxNumDownBuffers (i32)                 |
 * | 24     | 24 n | up descriptors, then down descriptors   |
 *
 * Descriptor: sName u32 @0, pBuffer u32 @4, SizeOfBuffer u32 @8, WrOff u32 @12, RdOff u32 @16,
 * Flags u32 @20 (bits 0-1: 0 no_block_skip, 1 no_block_trim, 2 block_if_full).
 */
export const RTT_ID = Buffer.from('SEGGER RTT\0\0\0\0\0\0', 'latin1');
export const HEADER_BYTES = 24;
export const DESCRIPTOR_BYTES = 24;
export const WR_OFF = 12;
export const RD_OFF = 16;
export const FLAGS = 20;
/** Channel counts beyond this mean a corrupt block (as probe-rs judges it). */
export const MAX_CHANNELS = 255;
/** Buffers larger than this are refused: a corrupt size must not make the host read megabytes per poll. */
export const MAX_BUFFER_BYTES = 16 * 1024 * 1024;

export const MODES = { no_block_skip: 0, no_block_trim: 1, block_if_full: 2 } as const;
export type ChannelMode = keyof typeof MODES;
export const MODE_MASK = 3;

export interface Descriptor {
  readonly direction: 'up' | 'down';
  readonly index: number;
  /** Address of the descriptor itself. */
  readonly address: number;
  readonly nameAddress: number;
  readonly buffer: number;
  readonly size: number;
  readonly wrOff: number;
  readonly rdOff: number;
  readonly flags: number;
}

export interface ControlBlock {
  readonly address: number;
  readonly maxUp: number;
  readonly maxDown: number;
  readonly up: readonly Descriptor[];
  readonly down: readonly Descriptor[];
  /** Bytes of the whole block (header and descriptors), what one poll reads. */
  readonly bytes: number;
}

/** A block that fails validation: never read blindly. */
export class InvalidControlBlockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidControlBlockError';
  }
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Channel counts from a block's first 24 bytes; throws when the ID is missing or the counts are corrupt. */
export function readHeader(address: number, header: Buffer): { maxUp: number; maxDown: number; bytes: number } {
  if (!header.subarray(0, 16).equals(RTT_ID)) throw new InvalidControlBlockError(`no RTT control block ID at ${hex(address)}`);
  const maxUp = header.readInt32LE(16);
  const maxDown = header.readInt32LE(20);
  for (const [name, n] of [['MaxNumUpBuffers', maxUp], ['MaxNumDownBuffers', maxDown]] as const) {
    if (n < 0 || n > MAX_CHANNELS) throw new InvalidControlBlockError(`RTT control block at ${hex(address)}: ${name} is ${n}, outside 0..${MAX_CHANNELS} (corrupt block)`);
  }
  return { maxUp, maxDown, bytes: HEADER_BYTES + DESCRIPTOR_BYTES * (maxUp + maxDown) };
}

/**
 * Parses and checks a whole block. A descriptor with size 0 is an unused channel; any other must
 * have a buffer, a size of at least 2 and at most MAX_BUFFER_BYTES inside the 32-bit address space,
 * and WrOff and RdOff below its size.
 */
export function parseControlBlock(address: number, bytes: Buffer): ControlBlock {
  const { maxUp, maxDown, bytes: length } = readHeader(address, bytes);
  if (bytes.length < length) throw new InvalidControlBlockError(`RTT control block at ${hex(address)}: read ${bytes.length} bytes, need ${length}`);
  const descriptor = (direction: 'up' | 'down', index: number): Descriptor => {
    const at = HEADER_BYTES + DESCRIPTOR_BYTES * (direction === 'up' ? index : maxUp + index);
    const d: Descriptor = {
      direction,
      index,
      address: address + at,
      nameAddress: bytes.readUInt32LE(at),
      buffer: bytes.readUInt32LE(at + 4),
      size: bytes.readUInt32LE(at + 8),
      wrOff: bytes.readUInt32LE(at + WR_OFF),
      rdOff: bytes.readUInt32LE(at + RD_OFF),
      flags: bytes.readUInt32LE(at + FLAGS),
    };
    checkDescriptor(address, d);
    return d;
  };
  return {
    address,
    maxUp,
    maxDown,
    up: Array.from({ length: maxUp }, (_, i) => descriptor('up', i)),
    down: Array.from({ length: maxDown }, (_, i) => descriptor('down', i)),
    bytes: length,
  };
}

function checkDescriptor(block: number, d: Descriptor): void {
  if (d.size === 0) return;
  const what = `RTT control block at ${hex(block)}: ${d.direction} channel ${d.index}`;
  const fail = (problem: string) => {
    throw new InvalidControlBlockError(`${what} ${problem} (corrupt descriptor; refusing to read it)`);
  };
  if (d.buffer === 0) fail(`has size ${d.size} but no buffer`);
  if (d.size < 2) fail(`has size ${d.size}, below the minimum of 2`);
  if (d.size > MAX_BUFFER_BYTES) fail(`has size ${d.size}, above the limit of ${MAX_BUFFER_BYTES}`);
  if (d.buffer + d.size > 2 ** 32) fail(`buffer ${hex(d.buffer)} + size ${d.size} runs past the end of memory`);
  if (d.wrOff >= d.size) fail(`has WrOff ${d.wrOff} past its size ${d.size}`);
  if (d.rdOff >= d.size) fail(`has RdOff ${d.rdOff} past its size ${d.size}`);
}

/** Checks a channel the source is about to use: it must exist and be configured. */
export function usableChannel(block: ControlBlock, direction: 'up' | 'down', index: number): Descriptor {
  const list = direction === 'up' ? block.up : block.down;
  if (index >= list.length) throw new InvalidControlBlockError(`RTT control block at ${hex(block.address)} has ${list.length} ${direction} channels; there is no ${direction} channel ${index}`);
  const d = list[index];
  if (d.size === 0) throw new InvalidControlBlockError(`RTT control block at ${hex(block.address)}: ${direction} channel ${index} has size 0 (not configured, or a corrupt descriptor)`);
  return d;
}

/** Addresses of every full 16-byte ID in `memory`, which starts at `base`. */
export function findIds(memory: Buffer, base: number): number[] {
  const found: number[] = [];
  for (let at = memory.indexOf(RTT_ID); at >= 0; at = memory.indexOf(RTT_ID, at + 1)) found.push(base + at);
  return found;
}

/** Bytes readable in an up buffer, and the bytes a down buffer can take, by the RTT ring rules. */
export function available(d: { size: number; wrOff: number; rdOff: number }): number {
  return d.wrOff >= d.rdOff ? d.wrOff - d.rdOff : d.size - d.rdOff + d.wrOff;
}

export function freeSpace(d: { size: number; wrOff: number; rdOff: number }): number {
  return d.rdOff > d.wrOff ? d.rdOff - d.wrOff - 1 : d.size - (d.wrOff - d.rdOff) - 1;
}

export { hex as hexAddress };
