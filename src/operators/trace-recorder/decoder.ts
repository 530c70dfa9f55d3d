import type { RecordsBatch } from '../../core/batch.js';
import { EventColumns } from './event-columns.js';
import { ACTION, ACTIONS, ID, eventKind } from './event-ids.js';
import { KNOWN_VERSIONS, type PsfHeader, cString, isStartWord, parsePrefix } from './header.js';
import { HEAP_SYMBOL, ObjectTable, type TraceObject, displayName } from './objects.js';
import { formatPrintf } from './printf.js';
import { ticksToNs } from './time.js';

/** A problem of the recorder or the link, surfaced as data (and logged by the operator). */
export interface TraceWarning {
  readonly kind: 'drop' | 'restart' | 'unknown_version' | 'stale_symbol' | 'unknown_event' | 'bad_header' | 'truncated' | 'garbage' | 'printf' | 'ts_config';
  readonly session: number;
  /** Unwrapped event count where it was noticed (NaN when there is none). */
  readonly count: number;
  readonly message: string;
}

/** Where every input byte went, and what the decoder counted. */
export interface DecoderStats {
  bytes: number;
  headerBytes: number;
  eventBytes: number;
  garbageBytes: number;
  truncatedBytes: number;
  events: number;
  dropped: number;
  restarts: number;
  unknownEvents: number;
  truncatedEvents: number;
  badHeaders: number;
}

export interface HeapState {
  current: number;
  highWater: number;
  max: number;
}

export interface DecodeOutput {
  readonly events: RecordsBatch[];
  readonly warnings: TraceWarning[];
  /** Object tables of sessions that ended (at a restart, or at the end of the input). */
  readonly sessions: EndedSession[];
}

export interface EndedSession {
  readonly session: number;
  readonly header: PsfHeader;
  readonly objects: readonly TraceObject[];
  readonly heap: HeapState;
}

export interface DecoderOptions {
  /** Id of application-defined printf events (P = 0, own layout), if the firmware has them. */
  readonly customPrintfEventId?: number;
  /** Source name put on output batches. */
  readonly source?: string;
}

interface CoreCounter {
  started: boolean;
  last: number;
  value: number;
}

const EMPTY = new Uint8Array(0);
// Imported values copied into module constants: the hot loop reads them per event, and a module
// loader that compiles imports to property getters would otherwise call one each time.
const ACTION_BY_ID = ACTIONS;
const { OBJECT, SWITCH, SPECIAL } = ACTION;
const { ISR_RESUME, TASK_ACTIVATE, USER_EVENT } = ID;
const startWordAt = isStartWord;
const TWO_32 = 4294967296;

/**
 * Decodes a TraceRecorder streaming trace (PSF) from bytes that arrive in chunks of any size: an
 * event split across chunks waits for its rest. Pure: no I/O, no logging; the caller turns warnings
 * and stats into logs and metrics.
 */
export class PsfDecoder {
  readonly stats: DecoderStats = { bytes: 0, headerBytes: 0, eventBytes: 0, garbageBytes: 0, truncatedBytes: 0, events: 0, dropped: 0, restarts: 0, unknownEvents: 0, truncatedEvents: 0, badHeaders: 0 };
  private carry: Uint8Array = EMPTY;
  private state: 'seek' | 'prefix' | 'events' = 'seek';
  private session = -1;
  private header: PsfHeader | undefined;
  private objects: ObjectTable | undefined;
  private readonly customId: number;
  private readonly source: string;
  private out: EventColumns | undefined;
  private output: DecodeOutput = { events: [], warnings: [], sessions: [] };

  // Per-session trackers.
  private le = true;
  private multiCore = false;
  private counters: CoreCounter[] = [];
  private contexts: (TraceObject | undefined)[] = [];
  private ticksStarted = false;
  private upper = 0;
  private lower = 0;
  private frequency = 0;
  /** Whole nanoseconds per tick when the frequency divides 1e9 (a multiplication is then exact), else 0. */
  private nsPerTick = 0;
  heap: HeapState = { current: 0, highWater: 0, max: 0 };
  /** Lowest unused stack per task name in this session, from UNUSED_STACK events. */
  readonly stackLowWater = new Map<string, number>();
  private warnedIds = new Set<number>();

  constructor(options: DecoderOptions = {}) {
    this.customId = options.customPrintfEventId ?? -1;
    this.source = options.source ?? 'trace_recorder';
  }

  /** Decodes one chunk; returns the events it completed and what went wrong. */
  push(chunk: Uint8Array): DecodeOutput {
    this.stats.bytes += chunk.length;
    let buf: Uint8Array;
    if (this.carry.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.carry.length + chunk.length);
      buf.set(this.carry, 0);
      buf.set(chunk, this.carry.length);
    }
    this.out = undefined;
    const end = buf.length;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    for (;;) {
      if (this.state === 'seek') {
        const at = findStartWord(buf, pos, end);
        if (at < 0) {
          // Keep the last 3 bytes: they may be the beginning of a start word.
          const keep = Math.min(3, end - pos);
          this.stats.garbageBytes += end - pos - keep;
          pos = end - keep;
          break;
        }
        if (at > pos) this.warn('garbage', NaN, `${at - pos} bytes before a PSF start word skipped`);
        this.stats.garbageBytes += at - pos;
        pos = at;
        this.state = 'prefix';
      }
      if (this.state === 'prefix') {
        const result = parsePrefix(buf, pos, end);
        if (result.status === 'need') break;
        if (result.status === 'bad') {
          this.stats.badHeaders++;
          this.stats.garbageBytes += 1;
          this.warn('bad_header', NaN, `PSF start word without a valid header (${result.reason}); looking for the next one`);
          pos += 1;
          this.state = 'seek';
          continue;
        }
        this.stats.headerBytes += result.header.length;
        pos += result.header.length;
        this.startSession(result.header, end - pos);
        this.state = 'events';
      }
      pos = this.decodeEvents(buf, view, pos, end);
      if (this.state === 'events') break;
      // A start word inside the events: the trace restarted.
      this.endSession();
    }
    this.carry = pos < end ? buf.slice(pos, end) : EMPTY;
    this.flushEvents();
    return this.take();
  }

  /** At the end of the input: counts what is left as truncated and ends the session. */
  finish(): DecodeOutput {
    const left = this.carry.length;
    if (left > 0) {
      if (this.state === 'events') {
        this.stats.truncatedEvents++;
        this.stats.truncatedBytes += left;
        this.warn('truncated', this.lastCount(), `the input ends inside an event (${left} bytes); it is counted, not emitted`);
      } else if (this.state === 'prefix') {
        this.stats.truncatedBytes += left;
        this.warn('truncated', NaN, `the input ends inside a trace header (${left} bytes)`);
      } else {
        this.stats.garbageBytes += left;
      }
      this.carry = EMPTY;
    }
    if (this.session < 0 && this.stats.bytes > 0) this.warn('garbage', NaN, `no PSF start word in ${this.stats.bytes} bytes`);
    if (this.header !== undefined) this.endSession();
    this.header = undefined;
    this.state = 'seek';
    return this.take();
  }

  private take(): DecodeOutput {
    const output = this.output;
    this.output = { events: [], warnings: [], sessions: [] };
    return output;
  }

  private warn(kind: TraceWarning['kind'], count: number, message: string): void {
    this.output.warnings.push({ kind, session: Math.max(0, this.session), count, message });
  }

  private lastCount(): number {
    return this.counters[0]?.started ? this.counters[0].value : NaN;
  }

  private startSession(header: PsfHeader, bytesLeft: number): void {
    this.session++;
    if (this.session > 0) {
      this.stats.restarts++;
      this.warn('restart', NaN, `trace restarted (session ${this.session}); header and symbol table read again`);
    }
    if (!KNOWN_VERSIONS.includes(header.formatVersion)) {
      this.warn('unknown_version', NaN, `PSF format version ${header.formatVersion} is not one of ${KNOWN_VERSIONS.join(', ')}; decoding with the ${header.formatVersion >= 13 ? 'v13' : 'v12'} layout`);
    }
    this.header = header;
    this.le = header.littleEndian;
    this.multiCore = header.cores > 1;
    this.counters = Array.from({ length: this.multiCore ? 16 : 1 }, () => ({ started: false, last: 0, value: 0 }));
    this.contexts = new Array(this.multiCore ? 16 : 1).fill(undefined);
    this.ticksStarted = false;
    this.upper = header.wraparounds;
    this.lower = 0;
    this.frequency = header.frequency;
    this.nsPerTick = header.frequency !== 0 && 1e9 % header.frequency === 0 ? 1e9 / header.frequency : 0;
    this.objects = new ObjectTable(header.entries);
    const heapEntry = header.entries.find((e) => e.symbol === HEAP_SYMBOL);
    this.heap = heapEntry ? { current: heapEntry.states[0], highWater: heapEntry.states[1], max: heapEntry.states[2] } : { current: 0, highWater: 0, max: 0 };
    this.warnedIds = new Set();
    this.stackLowWater.clear();
    this.out = new EventColumns(capacityFor(bytesLeft));
  }

  private endSession(): void {
    this.flushEvents();
    const header = this.header!;
    this.output.sessions.push({ session: this.session, header, objects: [...this.objects!.byHandle.values()], heap: { ...this.heap } });
    this.header = undefined;
  }

  private flushEvents(): void {
    const out = this.out;
    if (out !== undefined && out.n > 0) this.output.events.push(out.toBatch(this.source, this.frequency !== 0, this.frequency));
    this.out = undefined;
  }

  private columns(bytesLeft: number): EventColumns {
    return (this.out ??= new EventColumns(capacityFor(bytesLeft)));
  }

  /** Decodes whole events from `pos`; stops at the first incomplete one or at a start word (state becomes 'prefix'). */
  private decodeEvents(buf: Uint8Array, view: DataView, pos: number, end: number): number {
    const le = this.le;
    const customId = this.customId;
    const out = this.columns(end - pos);
    while (end - pos >= 4) {
      if (startWordAt(buf, pos)) {
        this.state = 'prefix';
        return pos;
      }
      if (end - pos < 8) break;
      const code = view.getUint16(pos, le);
      const id = code & 0xfff;
      const p = code >>> 12;
      let size = 8 + 4 * p;
      if (p === 0 && id === customId) {
        if (end - pos < 16) break;
        size = 16 + 4 * view.getUint16(pos + 12, le) + view.getUint16(pos + 14, le);
      }
      if (end - pos < size) break;
      this.event(out, buf, view, pos, id, p, size);
      pos += size;
    }
    return pos;
  }

  private event(out: EventColumns, buf: Uint8Array, view: DataView, at: number, id: number, p: number, size: number): void {
    const le = this.le;
    const stats = this.stats;
    stats.events++;
    stats.eventBytes += size;
    const i = out.row();

    // Event counter: 16 bits, or 12 bits per core with the core in bits 12-15.
    const countRaw = view.getUint16(at + 2, le);
    const core = this.multiCore ? countRaw >>> 12 : 0;
    const modulus = this.multiCore ? 4096 : 65536;
    const c = this.multiCore ? countRaw & 0xfff : countRaw;
    const counter = this.counters[core];
    let dropped = 0;
    if (!counter.started) {
      counter.started = true;
      counter.value = c;
    } else {
      let diff = c - counter.last;
      // An equal count is a whole turn of the counter (65,536 steps), not a repeat.
      if (diff <= 0) diff += modulus;
      dropped = diff - 1;
      counter.value += diff;
    }
    counter.last = c;

    // Timestamp: 32 bits, unwrapped from the header's wraparound count.
    const ts = view.getUint32(at + 4, le);
    if (!this.ticksStarted) this.ticksStarted = true;
    else if (ts < this.lower) this.upper++;
    this.lower = ts;
    const ticks = this.upper * TWO_32 + ts;

    // Custom printf events are user events whatever id the application gave them.
    out.event[i] = out.eventCode(p === 0 && id === this.customId ? USER_EVENT : id);
    out.eventId[i] = id;
    out.params[i] = p;
    out.countRaw[i] = countRaw;
    out.dropped[i] = dropped;
    out.ticksRaw[i] = ts;
    out.setWide(i, counter.value, ticks);
    if (this.nsPerTick !== 0) out.tNs[i] = ticks * this.nsPerTick;
    else if (this.frequency !== 0) out.tNs[i] = ticksToNs(ticks, this.frequency);
    out.session[i] = this.session;
    if (dropped > 0) {
      stats.dropped += dropped;
      this.warn('drop', counter.value, `${dropped} events missing before event ${counter.value}${this.multiCore ? ` on core ${core}` : ''}`);
    }

    // Strings default to "" (code 0); special events overwrite text and channel.
    out.channel[i] = 0;
    out.text[i] = 0;
    const action = p === 0 && id === this.customId ? SPECIAL : ACTION_BY_ID[id];
    let object: TraceObject | undefined;
    if (action === OBJECT) {
      if (p >= 1) object = this.objects!.get(view.getUint32(at + 8, le));
    } else if (action === SWITCH) {
      if (p >= 1) {
        object = this.objects!.get(view.getUint32(at + 8, le));
        if (object.class === 'unknown') object.class = id <= ISR_RESUME ? 'isr' : 'task';
        if (id === TASK_ACTIVATE && p >= 2) object.priority = view.getUint32(at + 12, le);
        this.contexts[core] = object;
      }
    } else if (action === SPECIAL) {
      object = this.special(out, i, buf, view, at, id, p, size, core, ticks, counter.value);
    }

    let priority = -1;
    if (object !== undefined) {
      if (object.firstSeen !== object.firstSeen) object.firstSeen = ticks;
      object.lastSeen = ticks;
      if (object.class === 'task' || object.class === 'isr') priority = object.priority;
    }
    out.context[i] = out.objectCode(this.contexts[core]);
    out.object[i] = object === undefined ? 0 : out.objectCode(object);
    out.priority[i] = priority > 0x7fffffff ? 0x7fffffff : priority;
  }

  /** Events that change the symbol table, heap or stack state, printf events and unknown ids; returns the event's object. */
  private special(out: EventColumns, i: number, buf: Uint8Array, view: DataView, at: number, id: number, p: number, size: number, core: number, ticks: number, count: number): TraceObject | undefined {
    const le = this.le;
    const objects = this.objects!;
    const kind = eventKind(id);
    if (p === 0 && id === this.customId) {
      this.userText(out, i, this.userEvent(buf, view, at, id, p, size, count));
      return undefined;
    }
    if (kind === undefined) {
      this.stats.unknownEvents++;
      const words: string[] = [];
      for (let k = 0; k < p; k++) words.push(`0x${view.getUint32(at + 8 + 4 * k, le).toString(16).padStart(8, '0')}`);
      out.text[i] = out.textCode(words.join(' '));
      if (!this.warnedIds.has(id)) {
        this.warnedIds.add(id);
        this.warn('unknown_event', count, `event id 0x${id.toString(16).padStart(3, '0')} is not known; kept as UNKNOWN with its ${p} raw parameters`);
      }
      return undefined;
    }
    if (id === ID.TRACE_START) {
      if (p >= 1) {
        const task = objects.get(view.getUint32(at + 8, le));
        if (task.class === 'unknown') task.class = 'task';
        this.seen(task, ticks);
        this.contexts[core] = task;
      }
      return undefined;
    }
    if (id === ID.TS_CONFIG) {
      if (p >= 1 && view.getUint32(at + 8, le) !== this.frequency) {
        this.warn('ts_config', count, `TS_CONFIG gives a timer frequency of ${view.getUint32(at + 8, le)} Hz, the header ${this.frequency} Hz; the header's is used`);
      }
      return undefined;
    }
    if (id === ID.MEMORY_ALLOC || id === ID.MEMORY_FREE) {
      if (p >= 2) {
        const bytes = view.getUint32(at + 12, le);
        this.heap.current += id === ID.MEMORY_ALLOC ? bytes : -bytes;
        if (this.heap.current > this.heap.highWater) this.heap.highWater = this.heap.current;
      }
      return undefined;
    }
    if (id >= ID.USER_EVENT && id <= ID.USER_EVENT_LAST) {
      this.userText(out, i, this.userEvent(buf, view, at, id, p, size, count));
      return undefined;
    }
    if (!kind.object || p < 1) return undefined;
    const object = objects.get(view.getUint32(at + 8, le));
    if (kind.creates !== undefined) object.class = kind.creates;
    if (kind.priority !== undefined && kind.priority < p) object.priority = view.getUint32(at + 8 + 4 * kind.priority, le);
    if (id === ID.OBJ_NAME) this.rename(object, cString(buf, at + 12, at + size));
    else if (id === ID.DEFINE_ISR && p >= 2) this.rename(object, cString(buf, at + 16, at + size));
    else if (id === ID.UNUSED_STACK && p >= 2) {
      const unused = view.getUint32(at + 12, le);
      if (object.stackLowWater < 0 || unused < object.stackLowWater) {
        object.stackLowWater = unused;
        this.stackLowWater.set(displayName(object), unused);
      }
    }
    return object;
  }

  private userText(out: EventColumns, i: number, user: { channel: TraceObject | undefined; text: string }): void {
    out.channel[i] = out.objectCode(user.channel);
    out.text[i] = user.text === '' ? 0 : out.textCode(user.text);
  }

  private seen(object: TraceObject, ticks: number): void {
    if (object.firstSeen !== object.firstSeen) object.firstSeen = ticks;
    object.lastSeen = ticks;
  }

  private rename(object: TraceObject, name: string): void {
    if (object.name !== '' && object.name !== name && object.class !== 'heap') {
      this.warn('stale_symbol', this.lastCount(), `handle 0x${object.handle.toString(16)} renamed from "${object.name}" to "${name}"; earlier events keep the old name`);
    }
    object.name = name;
    object.stamp = -1;
  }

  /** Channel and formatted text of a plain, fixed or custom printf event. */
  private userEvent(buf: Uint8Array, view: DataView, at: number, id: number, p: number, size: number, count: number): { channel: TraceObject | undefined; text: string } {
    const le = this.le;
    const objects = this.objects!;
    const word = (offset: number) => view.getUint32(offset, le);
    let channelHandle: number;
    let format: string;
    let argsAt: number;
    let nargs: number;
    if (p === 0 && id === this.customId) {
      // Custom layout: channel, u16 argument count, u16 format length, arguments, format (no NUL).
      channelHandle = word(at + 8);
      nargs = view.getUint16(at + 12, le);
      argsAt = at + 16;
      format = Buffer.from(buf.buffer, buf.byteOffset + argsAt + 4 * nargs, size - 16 - 4 * nargs).toString('utf8');
    } else if (id >= ID.USER_EVENT_FIXED && id - ID.USER_EVENT >= p) {
      // Fixed printf: channel, format-string handle, arguments.
      if (p < 2) return { channel: undefined, text: '' };
      channelHandle = word(at + 8);
      format = objects.get(word(at + 12)).name;
      nargs = Math.min(id - ID.USER_EVENT_FIXED, p - 2);
      argsAt = at + 16;
    } else {
      // Plain printf: channel, arguments, then the format inline (id = 0x90 + 1 + arguments).
      if (p < 1) return { channel: undefined, text: '' };
      channelHandle = word(at + 8);
      nargs = Math.max(0, Math.min(id - ID.USER_EVENT - 1, p - 1));
      argsAt = at + 12;
      format = cString(buf, argsAt + 4 * nargs, at + size);
    }
    const channel = channelHandle === 0 ? undefined : objects.get(channelHandle);
    if (channel !== undefined && channel.class === 'unknown') channel.class = 'string';
    const words = new Array<number>(nargs);
    for (let k = 0; k < nargs; k++) words[k] = word(argsAt + 4 * k);
    const result = formatPrintf(format, { words, littleEndian: le, symbol: (handle) => objects.get(handle).name || `0x${handle.toString(16)}` });
    if ('error' in result) {
      this.warn('printf', count, `user event ${count}: ${result.error}; the raw format is kept`);
      return { channel: channel ?? this.defaultChannel(), text: format };
    }
    return { channel: channel ?? this.defaultChannel(), text: result.text };
  }

  private defaultChannel(): TraceObject {
    // Handle 0 never names an object, so it can stand for the unnamed "default" channel.
    const objects = this.objects!;
    const channel = objects.get(0);
    if (channel.name === '') {
      channel.name = 'default';
      channel.class = 'string';
    }
    return channel;
  }

}

/**
 * Rows to allocate for `bytes` of events: kernel events have at least one parameter (12 bytes), so
 * this rarely grows, and allocates a third less than the 8-byte minimum would.
 */
function capacityFor(bytes: number): number {
  return Math.ceil(bytes / 12) + 16;
}

/** Index of the first PSF start word (either endianness) at or after `from`, or -1. */
function findStartWord(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i + 4 <= end; i++) {
    const b = buf[i];
    if ((b === 0x00 || b === 0x50) && startWordAt(buf, i)) return i;
  }
  return -1;
}
