import type { ObjectClass } from './event-ids.js';
import type { EntryTableEntry } from './header.js';

/** One object the trace has named or used: a task, ISR, queue, semaphore, string... */
export interface TraceObject {
  readonly handle: number;
  name: string;
  class: ObjectClass;
  /** -1 when not known. */
  priority: number;
  /** Unwrapped ticks of the first and last event that referred to it (NaN: only in the symbol table). */
  firstSeen: number;
  lastSeen: number;
  /** Lowest unused stack reported by UNUSED_STACK (tasks), or -1. */
  stackLowWater: number;
  /** Per-batch dictionary code of its display name, valid while `stamp` equals the batch's stamp. */
  code: number;
  stamp: number;
}

/** Handle TraceRecorder uses for "no task yet" at the start of a trace. */
export const STARTUP_HANDLE = 2;
export const HEAP_SYMBOL = 'System Heap';
const CACHE_MASK = 255;

/** A handle's name for output: its symbol, or its hex value while it has none. */
export function displayName(object: TraceObject): string {
  return object.name !== '' ? object.name : `0x${object.handle.toString(16).padStart(8, '0')}`;
}

/** The symbol table of one trace session: seeded from the entry table, updated by events. */
export class ObjectTable {
  readonly byHandle = new Map<number, TraceObject>();

  constructor(entries: readonly EntryTableEntry[]) {
    this.add(STARTUP_HANDLE, '(startup)', 'task', 1);
    for (const entry of entries) {
      const cls: ObjectClass = entry.symbol === HEAP_SYMBOL ? 'heap' : entry.symbol === 'TzCtrl' ? 'task' : 'unknown';
      // State 0 is the priority of tasks and ISRs; for other objects it means something else.
      this.add(entry.handle, entry.symbol, cls, cls === 'task' ? entry.states[0] : -1);
    }
  }

  /** The object for a handle, created (unnamed, class unknown) when the trace first mentions it. */
  get(handle: number): TraceObject {
    // A direct-mapped cache in front of the map: a trace names few objects, over and over.
    const slot = (handle >>> 2) & CACHE_MASK;
    if (this.cacheKeys[slot] === handle) return this.cacheObjects[slot]!;
    let object = this.byHandle.get(handle);
    if (object === undefined) object = this.add(handle, '', 'unknown', -1);
    this.cacheKeys[slot] = handle;
    this.cacheObjects[slot] = object;
    return object;
  }

  // Handles are u32; -1 (never a handle) marks an empty slot.
  private readonly cacheKeys = new Float64Array(CACHE_MASK + 1).fill(-1);
  private readonly cacheObjects: (TraceObject | undefined)[] = new Array(CACHE_MASK + 1).fill(undefined);

  private add(handle: number, name: string, cls: ObjectClass, priority: number): TraceObject {
    const object: TraceObject = { handle, name, class: cls, priority, firstSeen: NaN, lastSeen: NaN, stackLowWater: -1, code: -1, stamp: -1 };
    this.byHandle.set(handle, object);
    return object;
  }
}
