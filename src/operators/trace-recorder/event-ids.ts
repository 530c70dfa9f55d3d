/**
 * FreeRTOS event ids of TraceRecorder's streaming format (PSF), as the recorder's kernel port numbers
 * them. An event code word holds the id in bits 0-11 and the parameter count in bits 12-15.
 *
 * `object` says whether the first parameter is the handle of the event's object (the task created,
 * the queue sent to...), so the decoder can name it; `priority` is the index of a parameter that
 * carries a task or ISR priority.
 */
export interface EventKind {
  readonly name: string;
  readonly object: boolean;
  readonly priority?: number;
  /** Class given to the object by a create or define event. */
  readonly creates?: ObjectClass;
}

export type ObjectClass = 'task' | 'isr' | 'queue' | 'semaphore' | 'mutex' | 'timer' | 'event_group' | 'stream_buffer' | 'message_buffer' | 'state_machine' | 'string' | 'heap' | 'unknown';

export const ID = {
  TRACE_START: 0x01,
  TS_CONFIG: 0x02,
  OBJ_NAME: 0x03,
  TASK_PRIORITY: 0x04,
  TASK_PRIO_INHERIT: 0x05,
  TASK_PRIO_DISINHERIT: 0x06,
  DEFINE_ISR: 0x07,
  TASK_CREATE: 0x10,
  ISR_BEGIN: 0x33,
  ISR_RESUME: 0x34,
  TASK_SWITCH_TASK_BEGIN: 0x35,
  TASK_SWITCH_TASK_RESUME: 0x36,
  TASK_ACTIVATE: 0x37,
  MEMORY_ALLOC: 0x38,
  MEMORY_FREE: 0x39,
  USER_EVENT: 0x90,
  USER_EVENT_FIXED: 0x98,
  USER_EVENT_LAST: 0x9f,
  UNUSED_STACK: 0xeb,
} as const;

const KINDS = new Map<number, EventKind>();

function kind(id: number, name: string, object: boolean, extra: { priority?: number; creates?: ObjectClass } = {}): void {
  KINDS.set(id, Object.freeze({ name, object, ...extra }));
}

// Recorder housekeeping.
kind(0x01, 'TRACE_START', false);
kind(0x02, 'TS_CONFIG', false);
kind(0x03, 'OBJ_NAME', true);
kind(0x04, 'TASK_PRIORITY', true, { priority: 1 });
kind(0x05, 'TASK_PRIO_INHERIT', true, { priority: 1 });
kind(0x06, 'TASK_PRIO_DISINHERIT', true, { priority: 1 });
kind(0x07, 'DEFINE_ISR', true, { priority: 1, creates: 'isr' });

// Object creation and deletion.
kind(0x10, 'TASK_CREATE', true, { priority: 1, creates: 'task' });
kind(0x11, 'QUEUE_CREATE', true, { creates: 'queue' });
kind(0x12, 'SEMAPHORE_BINARY_CREATE', true, { creates: 'semaphore' });
kind(0x13, 'MUTEX_CREATE', true, { creates: 'mutex' });
kind(0x14, 'TIMER_CREATE', true, { creates: 'timer' });
kind(0x15, 'EVENTGROUP_CREATE', true, { creates: 'event_group' });
kind(0x16, 'SEMAPHORE_COUNTING_CREATE', true, { creates: 'semaphore' });
kind(0x17, 'MUTEX_RECURSIVE_CREATE', true, { creates: 'mutex' });
kind(0x18, 'STREAMBUFFER_CREATE', true, { creates: 'stream_buffer' });
kind(0x19, 'MESSAGEBUFFER_CREATE', true, { creates: 'message_buffer' });
kind(0x20, 'TASK_DELETE', true, { priority: 1 });
kind(0x21, 'QUEUE_DELETE', true);
kind(0x22, 'SEMAPHORE_DELETE', true);
kind(0x23, 'MUTEX_DELETE', true);
kind(0x24, 'TIMER_DELETE', true);
kind(0x25, 'EVENTGROUP_DELETE', true);
kind(0x28, 'STREAMBUFFER_DELETE', true);
kind(0x29, 'MESSAGEBUFFER_DELETE', true);

// Scheduling.
kind(0x30, 'TASK_READY', true);
kind(0x31, 'NEW_TIME', false);
kind(0x32, 'NEW_TIME_SCHEDULER_SUSPENDED', false);
kind(0x33, 'ISR_BEGIN', true);
kind(0x34, 'ISR_RESUME', true);
kind(0x35, 'TASK_SWITCH_TASK_BEGIN', true);
kind(0x36, 'TASK_SWITCH_TASK_RESUME', true);
kind(0x37, 'TASK_ACTIVATE', true, { priority: 1 });
kind(0x38, 'MEMORY_ALLOC', false);
kind(0x39, 'MEMORY_FREE', false);
kind(0x3a, 'LOWPOWER_BEGIN', false);
kind(0x3b, 'LOWPOWER_END', false);
kind(0x3c, 'IFE_NEXT', false);
kind(0x3d, 'IFE_DIRECT', false);

kind(0x40, 'TASK_CREATE_FAILED', false);
kind(0x41, 'QUEUE_CREATE_FAILED', false);
kind(0x42, 'SEMAPHORE_BINARY_CREATE_FAILED', false);
kind(0x43, 'MUTEX_CREATE_FAILED', false);
kind(0x44, 'TIMER_CREATE_FAILED', false);
kind(0x45, 'EVENTGROUP_CREATE_FAILED', false);
kind(0x46, 'SEMAPHORE_COUNTING_CREATE_FAILED', false);
kind(0x47, 'MUTEX_RECURSIVE_CREATE_FAILED', false);
kind(0x48, 'TIMER_DELETE_FAILED', true);
kind(0x49, 'STREAMBUFFER_CREATE_FAILED', false);
kind(0x4a, 'MESSAGEBUFFER_CREATE_FAILED', false);

// Queues, semaphores and mutexes: the first parameter is the object's handle.
const objectEvents: [number, string][] = [
  [0x50, 'QUEUE_SEND'], [0x51, 'SEMAPHORE_GIVE'], [0x52, 'MUTEX_GIVE'],
  [0x53, 'QUEUE_SEND_FAILED'], [0x54, 'SEMAPHORE_GIVE_FAILED'], [0x55, 'MUTEX_GIVE_FAILED'],
  [0x56, 'QUEUE_SEND_BLOCK'], [0x57, 'SEMAPHORE_GIVE_BLOCK'], [0x58, 'MUTEX_GIVE_BLOCK'],
  [0x59, 'QUEUE_SEND_FROMISR'], [0x5a, 'SEMAPHORE_GIVE_FROMISR'],
  [0x5c, 'QUEUE_SEND_FROMISR_FAILED'], [0x5d, 'SEMAPHORE_GIVE_FROMISR_FAILED'],
  [0x60, 'QUEUE_RECEIVE'], [0x61, 'SEMAPHORE_TAKE'], [0x62, 'MUTEX_TAKE'],
  [0x63, 'QUEUE_RECEIVE_FAILED'], [0x64, 'SEMAPHORE_TAKE_FAILED'], [0x65, 'MUTEX_TAKE_FAILED'],
  [0x66, 'QUEUE_RECEIVE_BLOCK'], [0x67, 'SEMAPHORE_TAKE_BLOCK'], [0x68, 'MUTEX_TAKE_BLOCK'],
  [0x69, 'QUEUE_RECEIVE_FROMISR'], [0x6a, 'SEMAPHORE_TAKE_FROMISR'],
  [0x6c, 'QUEUE_RECEIVE_FROMISR_FAILED'], [0x6d, 'SEMAPHORE_TAKE_FROMISR_FAILED'],
  [0x70, 'QUEUE_PEEK'], [0x71, 'SEMAPHORE_PEEK'], [0x72, 'MUTEX_PEEK'],
  [0x73, 'QUEUE_PEEK_FAILED'], [0x74, 'SEMAPHORE_PEEK_FAILED'], [0x75, 'MUTEX_PEEK_FAILED'],
  [0x76, 'QUEUE_PEEK_BLOCK'], [0x77, 'SEMAPHORE_PEEK_BLOCK'], [0x78, 'MUTEX_PEEK_BLOCK'],
  [0x7b, 'TASK_SUSPEND'], [0x7c, 'TASK_RESUME'], [0x7d, 'TASK_RESUME_FROMISR'],
  [0xa0, 'TIMER_START'], [0xa1, 'TIMER_RESET'], [0xa2, 'TIMER_STOP'], [0xa3, 'TIMER_CHANGEPERIOD'],
  [0xa4, 'TIMER_START_FROMISR'], [0xa5, 'TIMER_RESET_FROMISR'], [0xa6, 'TIMER_STOP_FROMISR'], [0xa7, 'TIMER_CHANGEPERIOD_FROMISR'],
  [0xa8, 'TIMER_START_FAILED'], [0xa9, 'TIMER_RESET_FAILED'], [0xaa, 'TIMER_STOP_FAILED'], [0xab, 'TIMER_CHANGEPERIOD_FAILED'],
  [0xac, 'TIMER_START_FROMISR_FAILED'], [0xad, 'TIMER_RESET_FROMISR_FAILED'], [0xae, 'TIMER_STOP_FROMISR_FAILED'], [0xaf, 'TIMER_CHANGEPERIOD_FROMISR_FAILED'],
  [0xb0, 'EVENTGROUP_SYNC'], [0xb1, 'EVENTGROUP_WAITBITS'], [0xb2, 'EVENTGROUP_CLEARBITS'], [0xb3, 'EVENTGROUP_CLEARBITS_FROMISR'],
  [0xb4, 'EVENTGROUP_SETBITS'], [0xb5, 'EVENTGROUP_SETBITS_FROMISR'], [0xb6, 'EVENTGROUP_SYNC_BLOCK'], [0xb7, 'EVENTGROUP_WAITBITS_BLOCK'],
  [0xb8, 'EVENTGROUP_SYNC_FAILED'], [0xb9, 'EVENTGROUP_WAITBITS_FAILED'],
  [0xc0, 'QUEUE_SEND_FRONT'], [0xc1, 'QUEUE_SEND_FRONT_FAILED'], [0xc2, 'QUEUE_SEND_FRONT_BLOCK'], [0xc3, 'QUEUE_SEND_FRONT_FROMISR'],
  [0xc4, 'QUEUE_SEND_FRONT_FROMISR_FAILED'], [0xc5, 'MUTEX_GIVE_RECURSIVE'], [0xc6, 'MUTEX_GIVE_RECURSIVE_FAILED'], [0xc7, 'MUTEX_TAKE_RECURSIVE'],
  [0xc8, 'MUTEX_TAKE_RECURSIVE_FAILED'],
  [0xc9, 'TASK_NOTIFY'], [0xca, 'TASK_NOTIFY_WAIT'], [0xcb, 'TASK_NOTIFY_WAIT_BLOCK'], [0xcc, 'TASK_NOTIFY_WAIT_FAILED'], [0xcd, 'TASK_NOTIFY_FROM_ISR'],
  [0xd2, 'TIMER_EXPIRED'],
  [0xd3, 'STREAMBUFFER_SEND'], [0xd4, 'STREAMBUFFER_SEND_BLOCK'], [0xd5, 'STREAMBUFFER_SEND_FAILED'], [0xd6, 'STREAMBUFFER_RECEIVE'],
  [0xd7, 'STREAMBUFFER_RECEIVE_BLOCK'], [0xd8, 'STREAMBUFFER_RECEIVE_FAILED'], [0xd9, 'STREAMBUFFER_SEND_FROM_ISR'], [0xda, 'STREAMBUFFER_SEND_FROM_ISR_FAILED'],
  [0xdb, 'STREAMBUFFER_RECEIVE_FROM_ISR'], [0xdc, 'STREAMBUFFER_RECEIVE_FROM_ISR_FAILED'], [0xdd, 'STREAMBUFFER_RESET'],
  [0xde, 'MESSAGEBUFFER_SEND'], [0xdf, 'MESSAGEBUFFER_SEND_BLOCK'], [0xe0, 'MESSAGEBUFFER_SEND_FAILED'], [0xe1, 'MESSAGEBUFFER_RECEIVE'],
  [0xe2, 'MESSAGEBUFFER_RECEIVE_BLOCK'], [0xe3, 'MESSAGEBUFFER_RECEIVE_FAILED'], [0xe4, 'MESSAGEBUFFER_SEND_FROM_ISR'], [0xe5, 'MESSAGEBUFFER_SEND_FROM_ISR_FAILED'],
  [0xe6, 'MESSAGEBUFFER_RECEIVE_FROM_ISR'], [0xe7, 'MESSAGEBUFFER_RECEIVE_FROM_ISR_FAILED'], [0xe8, 'MESSAGEBUFFER_RESET'],
  [0xeb, 'UNUSED_STACK'],
  [0xf6, 'MUTEX_TAKE_RECURSIVE_BLOCK'],
];
for (const [id, name] of objectEvents) kind(id, name, true);

// Events whose parameters are not an object handle.
kind(0x79, 'TASK_DELAY_UNTIL', false);
kind(0x7a, 'TASK_DELAY', false);
kind(0x80, 'TIMER_PENDFUNCCALL', false);
kind(0x81, 'TIMER_PENDFUNCCALL_FROMISR', false);
kind(0x82, 'TIMER_PENDFUNCCALL_FAILED', false);
kind(0x83, 'TIMER_PENDFUNCCALL_FROMISR_FAILED', false);
kind(0xe9, 'MEMORY_ALLOC_FAILED', false);
kind(0xea, 'MEMORY_FREE_FAILED', false);
kind(0xec, 'STATEMACHINE_STATE_CREATE', true, { creates: 'state_machine' });
kind(0xed, 'STATEMACHINE_CREATE', true, { creates: 'state_machine' });
kind(0xee, 'STATEMACHINE_STATECHANGE', true);
for (let id = ID.USER_EVENT; id <= ID.USER_EVENT_LAST; id++) kind(id, 'USER_EVENT', false);

/** Name given to ids this table does not know; their raw parameters are kept. */
export const UNKNOWN_EVENT = 'UNKNOWN';

/** The kind of an event id, or undefined for an id the table does not know. */
export function eventKind(id: number): EventKind | undefined {
  return KIND_BY_ID[id];
}

/** Kinds indexed by id (0..4095), so the decoder's per-event lookup is an array read. */
const KIND_BY_ID: readonly (EventKind | undefined)[] = Array.from({ length: 4096 }, (_, id) => KINDS.get(id));

/**
 * Every event name by id (0..4095), with UNKNOWN for the gaps: the decoder indexes this array in its
 * hot loop instead of a map.
 */
export const EVENT_NAMES: readonly string[] = Array.from({ length: 4096 }, (_, id) => KINDS.get(id)?.name ?? UNKNOWN_EVENT);

/** Events after which a new context (task or ISR) runs; the outgoing one is implicit. */
export const SWITCH_IN_EVENTS: readonly string[] = ['ISR_BEGIN', 'ISR_RESUME', 'TASK_SWITCH_TASK_BEGIN', 'TASK_SWITCH_TASK_RESUME', 'TASK_ACTIVATE'];

export function isSwitchIn(id: number): boolean {
  return id >= ID.ISR_BEGIN && id <= ID.TASK_ACTIVATE;
}

/** What the decoder does per id beyond the common columns: see ACTIONS. */
export const ACTION = { NONE: 0, OBJECT: 1, SWITCH: 2, SPECIAL: 3 } as const;

/**
 * Per id: NONE (no object), OBJECT (the first parameter names the object, nothing else to do),
 * SWITCH (a switch-in) or SPECIAL (symbol-table, heap, stack, printf and unknown events), so the
 * common events take a short path.
 */
export const ACTIONS: Uint8Array = Uint8Array.from({ length: 4096 }, (_, id) => {
  const k = KINDS.get(id);
  if (k === undefined) return ACTION.SPECIAL;
  if (isSwitchIn(id)) return ACTION.SWITCH;
  if (id === ID.TRACE_START || id === ID.TS_CONFIG || id === ID.OBJ_NAME || id === ID.UNUSED_STACK || id === ID.MEMORY_ALLOC || id === ID.MEMORY_FREE) return ACTION.SPECIAL;
  if (id >= ID.USER_EVENT && id <= ID.USER_EVENT_LAST) return ACTION.SPECIAL;
  if (k.creates !== undefined || k.priority !== undefined) return ACTION.SPECIAL;
  return k.object ? ACTION.OBJECT : ACTION.NONE;
});
