import { confinePath } from '../../core/paths.js';
import { type ControlBlock, findIds, hexAddress, InvalidControlBlockError, parseControlBlock, readHeader, RTT_ID } from './control-block.js';
import { elfSymbolAddress } from './elf.js';
import type { Memory } from './gdb-target.js';
import type { RttOptions } from './options.js';

/** Scans read this much at a time (plus the ID's length, so an ID across two windows is found). */
const SCAN_WINDOW = 64 * 1024;
/** Longest channel name read from the target. */
const MAX_NAME = 32;

export type ControlBlockSpec = NonNullable<RttOptions['control_block']>;

/** Where to look, resolved once per attach (an ELF is read again each time: the firmware may be new). */
export async function blockAddress(spec: ControlBlockSpec, dataDir: string): Promise<number | undefined> {
  if ('address' in spec) return spec.address;
  if ('elf' in spec) return elfSymbolAddress(confinePath(dataDir, spec.elf, 'control_block.elf'), '_SEGGER_RTT');
  return undefined;
}

/**
 * Finds and validates the control block; resolves undefined while there is none yet (the firmware
 * has not set up RTT), throws InvalidControlBlockError for a corrupt block or a scan range holding
 * more than one ID.
 */
export async function locateBlock(memory: Memory, spec: ControlBlockSpec, address: number | undefined): Promise<ControlBlock | undefined> {
  if (address === undefined && 'scan' in spec) {
    const [start, size] = spec.scan;
    const found = new Set<number>();
    for (let at = start; at < start + size; at += SCAN_WINDOW) {
      const length = Math.min(SCAN_WINDOW + RTT_ID.length - 1, start + size - at);
      for (const id of findIds(await memory.read(at, length), at)) found.add(id);
    }
    if (found.size === 0) return undefined;
    if (found.size > 1) {
      const where = [...found].map(hexAddress).join(', ');
      throw new InvalidControlBlockError(`found ${found.size} RTT control block IDs in the scan range ${hexAddress(start)} + ${size} (at ${where}); refusing to guess: narrow the range or give control_block.address`);
    }
    address = [...found][0];
  }
  if (address === undefined) return undefined;
  const header = await memory.read(address, 24);
  if (!header.subarray(0, 16).equals(RTT_ID)) return undefined;
  const { bytes } = readHeader(address, header);
  return parseControlBlock(address, await memory.read(address, bytes));
}

/** A channel's name from the target (NUL-terminated, at most MAX_NAME bytes); empty when it has none. */
export async function readName(memory: Memory, address: number): Promise<string> {
  if (address === 0) return '';
  const raw = await memory.read(address, MAX_NAME);
  const end = raw.indexOf(0);
  return raw.toString('latin1', 0, end < 0 ? raw.length : end);
}

/** Resolves `channel` (index or name) to an index among `names`. */
export function channelIndex(channel: number | string, names: readonly string[], direction: 'up' | 'down', block: ControlBlock): number {
  if (typeof channel === 'number') return channel;
  const index = names.indexOf(channel);
  if (index < 0) throw new InvalidControlBlockError(`RTT control block at ${hexAddress(block.address)} has no ${direction} channel named "${channel}" (it has: ${names.map((n, i) => `${i} "${n}"`).join(', ') || 'none'})`);
  return index;
}
