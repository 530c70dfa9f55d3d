import { type RecordsBatch, recordsBatch } from '../../core/batch.js';
import { StringColumnBuilder } from '../decode/columns.js';
import type { EndedSession, TraceWarning } from './decoder.js';
import { displayName } from './objects.js';
import { ticksToNs } from './time.js';

const dictionary = StringColumnBuilder.of;

/** The `objects` output: one row per object of a session that ended. */
export function objectsBatch(source: string, session: EndedSession): RecordsBatch {
  const rows = session.objects;
  const frequency = session.header.frequency;
  const time = (ticks: number) => (ticks !== ticks || frequency === 0 ? ticks : ticksToNs(ticks, frequency));
  const unit = frequency === 0 ? 'ticks' : 'ns';
  const timeMeta = frequency === 0 ? {} : { time: 'device' as const };
  return recordsBatch(
    source,
    [
      { name: 'session', type: 'u32' },
      { name: 'handle', type: 'u32' },
      { name: 'name', type: 'string' },
      { name: 'class', type: 'string', description: 'task, isr, queue, semaphore, mutex, timer, event_group, stream_buffer, message_buffer, state_machine, string, heap or unknown' },
      { name: 'priority', type: 'i32', description: '-1 when not known' },
      { name: 'first_seen', type: 'f64', unit, ...timeMeta, description: 'first event that named or used it (NaN: only in the symbol table)' },
      { name: 'last_seen', type: 'f64', unit, ...timeMeta },
      { name: 'stack_low_water', type: 'i64', description: 'lowest unused stack reported by UNUSED_STACK, -1 when none' },
    ],
    {
      session: new Uint32Array(rows.length).fill(session.session),
      handle: Uint32Array.from(rows, (o) => o.handle),
      name: dictionary(rows.map(displayName)),
      class: dictionary(rows.map((o) => o.class)),
      priority: Int32Array.from(rows, (o) => Math.min(o.priority, 0x7fffffff)),
      first_seen: Float64Array.from(rows, (o) => time(o.firstSeen)),
      last_seen: Float64Array.from(rows, (o) => time(o.lastSeen)),
      stack_low_water: BigInt64Array.from(rows, (o) => BigInt(o.stackLowWater)),
    },
    rows.length,
  );
}

/** The `warnings` output: one row per warning. */
export function warningsBatch(source: string, warnings: readonly TraceWarning[]): RecordsBatch {
  return recordsBatch(
    source,
    [
      { name: 'session', type: 'u32' },
      { name: 'count', type: 'f64', description: 'unwrapped event count where it was noticed, NaN when none' },
      { name: 'kind', type: 'string', description: 'drop, restart, unknown_version, stale_symbol, unknown_event, bad_header, truncated, garbage, printf, ts_config' },
      { name: 'message', type: 'string' },
    ],
    {
      session: Uint32Array.from(warnings, (w) => w.session),
      count: Float64Array.from(warnings, (w) => w.count),
      kind: dictionary(warnings.map((w) => w.kind)),
      message: dictionary(warnings.map((w) => w.message)),
    },
    warnings.length,
  );
}
