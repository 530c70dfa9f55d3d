/**
 * Writes TraceRecorder streaming traces (PSF) for tests, laid out by the format description rather
 * than by the decoder: start word, header and timestamp info in the field order of the chosen
 * version, the entry table, then events. Counters and timestamps advance by themselves unless a
 * test sets them, so edge cases (wraps, gaps, restarts) are one call away.
 */
export interface TraceSpec {
  version?: 10 | 12 | 13 | 14;
  littleEndian?: boolean;
  /** Timer ticks per second (0: unitless). */
  frequency?: number;
  /** Timer wraparounds before the first event (seeds the upper 32 bits of time). */
  wraparounds?: number;
  cores?: number;
  symbolSize?: number;
  stateCount?: number;
  entries?: { handle: number; states?: number[]; symbol: string }[];
}

export class TraceWriter {
  readonly parts: Buffer[] = [];
  count: number;
  ticks = 0;
  readonly le: boolean;
  readonly spec: Required<TraceSpec>;

  constructor(spec: TraceSpec = {}, firstCount = 1) {
    this.spec = {
      version: 12,
      littleEndian: true,
      frequency: 1_000_000,
      wraparounds: 0,
      cores: 1,
      symbolSize: 28,
      stateCount: 3,
      entries: [],
      ...spec,
    };
    this.le = this.spec.littleEndian;
    this.count = firstCount;
    this.parts.push(prefix(this.spec));
  }

  /** A u32 in the target's byte order. */
  u32(value: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(value >>> 0);
    else b.writeUInt32BE(value >>> 0);
    return b;
  }

  u16(value: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(value & 0xffff);
    else b.writeUInt16BE(value & 0xffff);
    return b;
  }

  /**
   * Appends an event: id, parameters, optional bytes after them (padded to whole words, counted in
   * the parameter count). Count and timestamp advance by one unless given.
   */
  event(id: number, params: number[], opts: { count?: number; ticks?: number; tail?: Buffer } = {}): Buffer {
    const tail = opts.tail ?? Buffer.alloc(0);
    const tailWords = Math.ceil(tail.length / 4);
    const p = params.length + tailWords;
    if (p > 15) throw new Error('generator: at most 15 parameter words');
    const count = opts.count ?? this.count;
    const ticks = opts.ticks ?? this.ticks;
    this.count = (count + 1) & 0xffff;
    this.ticks = (ticks + 1) >>> 0;
    const padded = Buffer.alloc(tailWords * 4);
    tail.copy(padded);
    const bytes = Buffer.concat([this.u16((p << 12) | id), this.u16(count), this.u32(ticks), ...params.map((v) => this.u32(v)), padded]);
    this.parts.push(bytes);
    return bytes;
  }

  /** OBJ_NAME: names a handle (NUL-terminated, padded). */
  name(handle: number, name: string, opts: { count?: number; ticks?: number } = {}): Buffer {
    return this.event(0x03, [handle], { ...opts, tail: Buffer.from(`${name}\0`) });
  }

  /** Plain printf: id 0x90 + 1 + number of arguments, format inline after the arguments. */
  printf(channel: number, format: string, args: number[]): Buffer {
    return this.event(0x91 + args.length, [channel, ...args], { tail: Buffer.from(`${format}\0`) });
  }

  /** Fixed printf: id 0x98 + number of arguments, format from the symbol table. */
  fixedPrintf(channel: number, formatHandle: number, args: number[]): Buffer {
    return this.event(0x98 + args.length, [channel, formatHandle, ...args]);
  }

  /** Application-defined printf: parameter count 0, own layout, format without NUL or padding. */
  customPrintf(id: number, channel: number, format: string, args: number[]): Buffer {
    const fmt = Buffer.from(format);
    const bytes = Buffer.concat([this.u16(id), this.u16(this.count), this.u32(this.ticks), this.u32(channel), this.u16(args.length), this.u16(fmt.length), ...args.map((v) => this.u32(v)), fmt]);
    this.count = (this.count + 1) & 0xffff;
    this.ticks = (this.ticks + 1) >>> 0;
    this.parts.push(bytes);
    return bytes;
  }

  raw(bytes: Buffer): void {
    this.parts.push(bytes);
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Start word, header, timestamp info and entry table of a trace. */
export function prefix(spec: Required<TraceSpec>): Buffer {
  const le = spec.littleEndian;
  const newOrder = spec.version >= 13;
  const entrySize = 8 + 4 * spec.stateCount + spec.symbolSize;
  const b = Buffer.alloc(72 + spec.entries.length * entrySize);
  const u16 = (at: number, v: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (at: number, v: number) => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  // The start word's bytes say the endianness: 00 46 53 50 little, 50 53 46 00 big.
  b.set(le ? [0x00, 0x46, 0x53, 0x50] : [0x50, 0x53, 0x46, 0x00], 0);
  u16(4, spec.version);
  u16(6, 0x1aa1); // FreeRTOS
  u32(8, 0);
  u32(12, spec.cores);
  u32(16, 0);
  const nameAt = newOrder ? 24 : 20;
  const versionAt = newOrder ? 20 : 28;
  b.write('FreeRTOS', nameAt, 'latin1');
  u16(versionAt, 3); // platform version 1.2.3: u16 patch, u8 minor, u8 major
  b[versionAt + 2] = 2;
  b[versionAt + 3] = 1;
  u32(32, 1); // free-running 32-bit incrementing timer
  u32(newOrder ? 40 : 36, spec.frequency);
  u32(newOrder ? 36 : 40, 0); // period
  u32(44, spec.wraparounds);
  u32(48, 1000);
  u32(52, 0);
  u32(56, 0);
  u32(60, spec.entries.length);
  u32(64, spec.symbolSize);
  u32(68, spec.stateCount);
  spec.entries.forEach((entry, k) => {
    const at = 72 + k * entrySize;
    u32(at, entry.handle);
    (entry.states ?? []).forEach((s, j) => u32(at + 4 + 4 * j, s));
    b.write(entry.symbol, at + 8 + 4 * spec.stateCount, 'latin1');
  });
  return b;
}
