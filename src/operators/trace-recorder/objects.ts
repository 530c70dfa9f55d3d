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
    // Consecutive events often name the same object (a queue sent to, a task switched in).
    if (handle === this.lastHandle) return this.lastObject!;
    let object = this.byHandle.get(handle);
    if (object === undefined) object = this.add(handle, '', 'unknown', -1);
    this.lastHandle = handle;
    this.lastObject = object;
    return object;
  }

  private lastHandle = -1;
  private lastObject: TraceObject | undefined;

  private add(handle: number, name: string, cls: ObjectClass, priority: number): TraceObject {
    const object: TraceObject = { handle, name, class: cls, priority, firstSeen: NaN, lastSeen: NaN, stackLowWater: -1, code: -1, stamp: -1 };
    this.byHandle.set(handle, object);
    return object;
  }
}
