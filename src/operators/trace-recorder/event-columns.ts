import { type ColumnData, type Field, type RecordsBatch, recordsBatch } from '../../core/batch.js';
import { StringDictionary } from '../../core/records/dictionary.js';
import { EVENT_NAMES } from './event-ids.js';
import { type TraceObject, displayName } from './objects.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const TWO_32 = 4294967296;

let nextStamp = 1;

/**
 * The output columns of one events batch, filled row by row by the decoder. Strings are
 * dictionary-coded per batch: event names, object names (shared by context, object and channel)
 * and printf text each get a dictionary of only what the batch uses.
 */
export class EventColumns {
  n = 0;
  private cap: number;
  /** Objects compare this with their cached code to know whether the code belongs to this batch. */
  readonly stamp = nextStamp++;
  event!: Int32Array;
  eventId!: Uint16Array;
  params!: Uint8Array;
  countRaw!: Uint16Array;
  count!: BigUint64Array;
  private count32!: Uint32Array;
  dropped!: Uint32Array;
  ticksRaw!: Uint32Array;
  ticks!: BigUint64Array;
  private ticks32!: Uint32Array;
  tNs!: Float64Array;
  context!: Int32Array;
  object!: Int32Array;
  priority!: Int32Array;
  channel!: Int32Array;
  text!: Int32Array;
  session!: Uint32Array;
  private readonly eventDictionary: string[] = [];
  private readonly eventCodes = new Int32Array(EVENT_NAMES.length).fill(-1);
  private readonly names = new StringDictionary(['']);
  private readonly texts = new StringDictionary(['']);

  constructor(capacity: number) {
    this.cap = Math.max(16, capacity);
    this.allocate(this.cap);
  }

  private allocate(cap: number): void {
    const old = this.n > 0 ? this.snapshot() : undefined;
    this.event = new Int32Array(cap);
    this.eventId = new Uint16Array(cap);
    this.params = new Uint8Array(cap);
    this.countRaw = new Uint16Array(cap);
    this.count = new BigUint64Array(cap);
    this.count32 = new Uint32Array(this.count.buffer);
    this.dropped = new Uint32Array(cap);
    this.ticksRaw = new Uint32Array(cap);
    this.ticks = new BigUint64Array(cap);
    this.ticks32 = new Uint32Array(this.ticks.buffer);
    this.tNs = new Float64Array(cap);
    this.context = new Int32Array(cap);
    this.object = new Int32Array(cap);
    this.priority = new Int32Array(cap);
    this.channel = new Int32Array(cap);
    this.text = new Int32Array(cap);
    this.session = new Uint32Array(cap);
    if (old) for (const [key, array] of Object.entries(old)) (this as unknown as Record<string, { set(a: unknown): void }>)[key].set(array);
  }

  private snapshot(): Record<string, ArrayLike<number> | ArrayLike<bigint>> {
    const n = this.n;
    return {
      event: this.event.subarray(0, n), eventId: this.eventId.subarray(0, n), params: this.params.subarray(0, n), countRaw: this.countRaw.subarray(0, n),
      count: this.count.subarray(0, n), dropped: this.dropped.subarray(0, n), ticksRaw: this.ticksRaw.subarray(0, n), ticks: this.ticks.subarray(0, n),
      tNs: this.tNs.subarray(0, n), context: this.context.subarray(0, n), object: this.object.subarray(0, n), priority: this.priority.subarray(0, n),
      channel: this.channel.subarray(0, n), text: this.text.subarray(0, n), session: this.session.subarray(0, n),
    };
  }

  /** Room for one more row; returns its index. */
  row(): number {
    if (this.n === this.cap) {
      this.cap *= 2;
      this.allocate(this.cap);
    }
    return this.n++;
  }

  eventCode(id: number): number {
    let code = this.eventCodes[id];
    if (code < 0) code = this.eventCodes[id] = this.eventDictionary.push(EVENT_NAMES[id]) - 1;
    return code;
  }

  /** Dictionary code of an object's display name in this batch (0 = "" for no object). */
  objectCode(object: TraceObject | undefined): number {
    if (object === undefined) return 0;
    if (object.stamp === this.stamp) return object.code;
    object.code = this.nameCode(displayName(object));
    object.stamp = this.stamp;
    return object.code;
  }

  nameCode(name: string): number {
    return this.names.code(name);
  }

  textCode(text: string): number {
    return this.texts.code(text);
  }

  /** Writes an unwrapped count and tick value (integers below 2^53) into the u64 columns. */
  setWide(i: number, count: number, ticks: number): void {
    if (HOST_LITTLE_ENDIAN) {
      const ch = Math.floor(count / TWO_32);
      this.count32[2 * i] = count - ch * TWO_32;
      this.count32[2 * i + 1] = ch;
      const th = Math.floor(ticks / TWO_32);
      this.ticks32[2 * i] = ticks - th * TWO_32;
      this.ticks32[2 * i + 1] = th;
    } else {
      this.count[i] = BigInt(count);
      this.ticks[i] = BigInt(ticks);
    }
  }

  /** The rows so far as a records batch; `withNs` adds the t_ns column (the session has a timer frequency). */
  toBatch(source: string, withNs: boolean, frequency: number): RecordsBatch {
    const n = this.n;
    const names = this.names.values;
    const fields: Field[] = [
      { name: 'event', type: 'string', description: 'event name (UNKNOWN for ids the decoder does not know)' },
      { name: 'event_id', type: 'u16' },
      { name: 'params', type: 'u8', description: 'number of 32-bit parameters' },
      { name: 'count_raw', type: 'u16', description: 'event counter as sent (on multi-core targets: core in bits 12-15)' },
      { name: 'count', type: 'u64', description: 'event counter unwrapped (per core on multi-core targets)' },
      { name: 'dropped', type: 'u32', description: 'events missing before this one' },
      { name: 'ticks_raw', type: 'u32', description: 'timestamp as sent (timer ticks)' },
      { name: 'ticks', type: 'u64', description: 'timestamp unwrapped, seeded with the header wraparound count' },
    ];
    const columns: Record<string, ColumnData> = {
      event: { codes: this.event.subarray(0, n), dictionary: this.eventDictionary },
      event_id: this.eventId.subarray(0, n),
      params: this.params.subarray(0, n),
      count_raw: this.countRaw.subarray(0, n),
      count: this.count.subarray(0, n),
      dropped: this.dropped.subarray(0, n),
      ticks_raw: this.ticksRaw.subarray(0, n),
      ticks: this.ticks.subarray(0, n),
    };
    if (withNs) {
      fields.push({ name: 't_ns', type: 'f64', unit: 'ns', time: 'device', description: `floor(ticks * 1e9 / ${frequency})` });
      columns.t_ns = this.tNs.subarray(0, n);
    }
    fields.push(
      { name: 'context', type: 'string', description: 'task or ISR running (for a switch-in: the one switched in)' },
      { name: 'object', type: 'string', description: "name of the event's object (task, queue, semaphore...), if it has one" },
      { name: 'priority', type: 'i32', description: 'priority of the task or ISR involved, -1 when not known' },
      { name: 'channel', type: 'string', description: 'user-event channel' },
      { name: 'text', type: 'string', description: 'formatted user-event text; raw parameters of UNKNOWN events' },
      { name: 'session', type: 'u32', description: '0 for the first trace, +1 at each restart' },
    );
    columns.context = { codes: this.context.subarray(0, n), dictionary: names };
    columns.object = { codes: this.object.subarray(0, n), dictionary: names };
    columns.priority = this.priority.subarray(0, n);
    columns.channel = { codes: this.channel.subarray(0, n), dictionary: names };
    columns.text = { codes: this.text.subarray(0, n), dictionary: this.texts.values };
    columns.session = this.session.subarray(0, n);
    return recordsBatch(source, fields, columns, n);
  }
}
