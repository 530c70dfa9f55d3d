/**
 * The prefix of a TraceRecorder stream: PSF start word, header, timestamp info and entry (symbol)
 * table. Field orders differ between format versions: v10 and v12 put the platform name before its
 * version and the timer frequency before its period, v13 and v14 the other way round.
 */

/** The start word read as a little-endian u32: this value means a little-endian target... */
export const PSF_LITTLE_ENDIAN = 0x50534600;
/** ...and this one a big-endian target. */
export const PSF_BIG_ENDIAN = 0x00465350;

/** Bytes from the start word to the entry table's first entry. */
export const FIXED_PREFIX_BYTES = 72;

/** Limits on sizes the device controls, so a corrupt header cannot make the decoder buffer megabytes. */
export const LIMITS = { entries: 4096, symbolSize: 1024, stateCount: 64 } as const;

export const KNOWN_VERSIONS: readonly number[] = [10, 12, 13, 14];

export interface EntryTableEntry {
  readonly handle: number;
  readonly states: readonly number[];
  readonly options: number;
  readonly symbol: string;
}

export interface PsfHeader {
  readonly littleEndian: boolean;
  readonly formatVersion: number;
  readonly kernelVersion: number;
  /** From the kernel-version nibbles: FreeRTOS, Zephyr, ThreadX, or "unknown". */
  readonly kernelPort: string;
  readonly options: number;
  readonly cores: number;
  readonly isrTailChainingThreshold: number;
  readonly platform: string;
  readonly platformVersion: string;
  /** 1 FreeRunning32Incr, 2 FreeRunning32Decr, 3 OsIncr, 4 OsDecr, 5 CustomIncr, 6 CustomDecr. */
  readonly timerType: number;
  /** Timer ticks per second; 0 when the recorder gives none (then no nanoseconds). */
  readonly frequency: number;
  readonly period: number;
  readonly wraparounds: number;
  readonly tickRateHz: number;
  readonly latestTimestamp: number;
  readonly osTickCount: number;
  readonly symbolSize: number;
  readonly stateCount: number;
  readonly entries: readonly EntryTableEntry[];
  /** Total prefix length in bytes, start word included. */
  readonly length: number;
}

export type PrefixResult =
  | { readonly status: 'ok'; readonly header: PsfHeader }
  | { readonly status: 'need'; readonly bytes: number }
  | { readonly status: 'bad'; readonly reason: string };

const PORTS: Record<number, string> = { 0x1: 'FreeRTOS', 0x9: 'Zephyr', 0xe: 'ThreadX' };

/** Whether the 4 bytes at `offset` are a PSF start word (either endianness). */
export function isStartWord(bytes: Uint8Array, offset: number): boolean {
  const b1 = bytes[offset + 1];
  const b2 = bytes[offset + 2];
  if (b1 === 0x46 && b2 === 0x53) return bytes[offset] === 0x00 && bytes[offset + 3] === 0x50;
  if (b1 === 0x53 && b2 === 0x46) return bytes[offset] === 0x50 && bytes[offset + 3] === 0x00;
  return false;
}

/** Text of a NUL-padded symbol: cut at the first NUL (the bytes after it can be anything). */
export function cString(bytes: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && bytes[stop] !== 0) stop++;
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, stop - start).toString('utf8');
}

/**
 * Parses the prefix starting at `offset` (a start word) from `bytes[offset, end)`. Says how many
 * bytes it needs when they have not all arrived, and why when the prefix is not a valid one.
 */
export function parsePrefix(bytes: Uint8Array, offset: number, end: number): PrefixResult {
  if (end - offset < FIXED_PREFIX_BYTES) return { status: 'need', bytes: FIXED_PREFIX_BYTES };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, end - offset);
  const word = view.getUint32(0, true);
  if (word !== PSF_LITTLE_ENDIAN && word !== PSF_BIG_ENDIAN) return { status: 'bad', reason: 'no PSF start word' };
  const le = word === PSF_LITTLE_ENDIAN;
  const u16 = (at: number) => view.getUint16(at, le);
  const u32 = (at: number) => view.getUint32(at, le);

  const formatVersion = u16(4);
  // v13 swapped the platform name and version, and the timer frequency and period; versions the
  // decoder does not know are read with the layout of the nearest known one.
  const newOrder = formatVersion >= 13;
  const kernelVersion = u16(6);
  const versionAt = newOrder ? 20 : 28;
  const nameAt = newOrder ? 24 : 20;
  const platformVersion = `${view.getUint8(versionAt + 3)}.${view.getUint8(versionAt + 2)}.${u16(versionAt)}`;
  const timerType = u32(32);
  if (timerType < 1 || timerType > 6) return { status: 'bad', reason: `timer type ${timerType} is not one of 1..6` };
  const symbolSize = u32(64);
  const stateCount = u32(68);
  const count = u32(60);
  if (count > LIMITS.entries) return { status: 'bad', reason: `${count} symbol-table entries (limit ${LIMITS.entries})` };
  if (symbolSize < 1 || symbolSize > LIMITS.symbolSize) return { status: 'bad', reason: `symbol size ${symbolSize} (must be 1..${LIMITS.symbolSize})` };
  if (stateCount < 3 || stateCount > LIMITS.stateCount) return { status: 'bad', reason: `state count ${stateCount} (must be 3..${LIMITS.stateCount})` };
  const entrySize = 8 + 4 * stateCount + symbolSize;
  const length = FIXED_PREFIX_BYTES + count * entrySize;
  if (end - offset < length) return { status: 'need', bytes: length };

  const entries: EntryTableEntry[] = [];
  for (let k = 0, at = FIXED_PREFIX_BYTES; k < count; k++, at += entrySize) {
    const handle = u32(at);
    if (handle === 0) continue; // an empty slot
    const states: number[] = [];
    for (let s = 0; s < stateCount; s++) states.push(u32(at + 4 + 4 * s));
    const options = u32(at + 4 + 4 * stateCount);
    const symbolAt = offset + at + 8 + 4 * stateCount;
    entries.push({ handle, states, options, symbol: cString(bytes, symbolAt, symbolAt + symbolSize) });
  }

  return {
    status: 'ok',
    header: {
      littleEndian: le,
      formatVersion,
      kernelVersion,
      kernelPort: PORTS[(kernelVersion >> 12) & 0xf] !== undefined && ((kernelVersion >> 12) & 0xf) === (kernelVersion & 0xf) ? PORTS[kernelVersion & 0xf] : 'unknown',
      options: u32(8),
      cores: u32(12) & 0xff,
      isrTailChainingThreshold: u32(16),
      platform: cString(bytes, offset + nameAt, offset + nameAt + 8),
      platformVersion,
      timerType,
      frequency: newOrder ? u32(40) : u32(36),
      period: newOrder ? u32(36) : u32(40),
      wraparounds: u32(44),
      tickRateHz: u32(48),
      latestTimestamp: u32(52),
      osTickCount: u32(56),
      symbolSize,
      stateCount,
      entries,
      length,
    },
  };
}
