import { type ColumnData, type Field, type FramesBatch, type NumericColumn, type NumericColumnType } from '../../core/batch.js';
import { BinaryColumnBuilder, ColumnArena, StringColumnBuilder, fieldText } from './columns.js';
import { UINT_BYTES, UINT_READERS } from '../uint-field.js';
import type { FrameLayout } from './layout.js';
import { RowWalk, fillFrames, fillGroups } from './fill.js';
import type { BaseType, DecodeOptions, FieldType } from './options.js';

/** One output column of a binary decode, resolved from its option. */
export interface Plan {
  readonly name: string;
  readonly base: BaseType | 'bytes' | 'string';
  readonly little: boolean;
  readonly size: number;
  /** Offset from the frame start (header field, >= 0), the frame end (< 0), or the group start. */
  readonly offset: number;
  readonly inGroup: boolean;
  /** Byte count of a bytes/string field; undefined = to the frame end. */
  readonly length?: number;
  readonly unit?: string;
}

const SIZES: Record<BaseType, number> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, f32: 4, f64: 8 };

function parseType(type: FieldType): { base: Plan['base']; little: boolean } {
  if (type === 'bytes' || type === 'string') return { base: type, little: true };
  const match = /^([uif]\d+)(le|be)?$/.exec(type)!;
  return { base: match[1] as BaseType, little: match[2] !== 'be' };
}

/** Decodes binary fields of accepted frames into typed columns. */
export class BinaryDecoder {
  readonly plans: Plan[];
  readonly fields: Field[];
  /** Bytes a frame needs for its fixed fields. */
  readonly minLength: number;
  readonly stride: number;
  /** Types of the numeric columns, in plan order, for the batch's column arena. */
  private readonly numericTypes: NumericColumnType[];

  constructor(private readonly options: DecodeOptions) {
    const plans: Plan[] = [];
    for (const f of options.fields) {
      const { base, little } = parseType(f.type);
      const size = base === 'bytes' || base === 'string' ? (f.length ?? 0) : SIZES[base];
      plans.push({ name: f.name, base, little, size, offset: f.offset, inGroup: false, length: f.length, unit: f.unit });
    }
    let cursor = 0;
    for (const f of options.repeat?.fields ?? []) {
      const { base, little } = parseType(f.type);
      const size = base === 'bytes' || base === 'string' ? f.length! : SIZES[base];
      const offset = f.offset ?? cursor;
      cursor = offset + size;
      plans.push({ name: f.name, base, little, size, offset, inGroup: true, length: f.length, unit: f.unit });
    }
    this.plans = plans;
    this.stride = options.repeat?.stride ?? cursor;
    this.minLength = Math.max(0, ...plans.filter((p) => !p.inGroup).map((p) => (p.offset >= 0 ? p.offset + p.size : -p.offset)));
    this.numericTypes = plans.filter((p) => p.base !== 'bytes' && p.base !== 'string').map((p) => p.base as NumericColumnType);
    this.fields = plans.map((p) => ({ name: p.name, type: columnType(p), ...(p.unit ? { unit: p.unit } : {}) }));
    if (options.repeat?.index_as) this.fields.push({ name: options.repeat.index_as, type: 'u32' });
  }

  /** Groups in the frame at `buf[start, start+length)`, or -1 when they do not fit. */
  groups(buf: Uint8Array, start: number, length: number): number {
    const repeat = this.options.repeat;
    if (!repeat) return 1;
    const room = length + repeat.until - repeat.offset;
    if (room < 0) return -1;
    const count = repeat.count;
    if (count === undefined) return Math.floor(room / this.stride);
    let n: number;
    if (typeof count === 'number') n = count;
    else {
      const at = start + (count.offset >= 0 ? count.offset : length + count.offset);
      if (at < start || at + UINT_BYTES[count.type] > start + length) return -1;
      n = UINT_READERS[count.type](buf, at);
      if (count.in === 'bytes') {
        if (n % this.stride !== 0) return -1;
        n /= this.stride;
      }
    }
    return n * this.stride <= room ? n : -1;
  }

  /** Fills every column, plus the index column and host times, for the frames in `layout`. */
  decode(batch: FramesBatch, layout: FrameLayout): { columns: Record<string, ColumnData>; hostTime: Float64Array } {
    const buf = batch.buffer;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const columns: Record<string, ColumnData> = {};
    const rows = new RowWalk(batch, layout, this.options.repeat?.offset ?? 0, this.stride);
    const index = this.options.repeat?.index_as;
    const arena = new ColumnArena(layout.rows, [...this.numericTypes, ...(index ? ['u32' as const] : []), 'f64']);
    for (const plan of this.plans) {
      if (plan.base === 'bytes' || plan.base === 'string') columns[plan.name] = this.runs(buf, plan, rows);
      else {
        const column = arena.take(plan.base as NumericColumnType);
        if (plan.inGroup) fillGroups(view, column, plan, rows);
        else fillFrames(view, column, plan, rows);
        columns[plan.name] = column;
      }
    }
    if (index) {
      const column = arena.take('u32');
      for (let f = 0, r = 0; f < layout.count; f++) for (let g = 0; g < layout.groups[f]; g++) column[r++] = g;
      columns[index] = column;
    }
    const hostTime = arena.take('f64');
    for (let f = 0, r = 0; f < layout.count; f++) {
      const n = layout.groups[f];
      hostTime.fill(batch.hostTimeNs[layout.frames[f]], r, r + n);
      r += n;
    }
    return { columns, hostTime };
  }

  private runs(buf: Buffer, plan: Plan, walk: RowWalk): ColumnData {
    const rows = walk.layout.rows;
    const strings = plan.base === 'string' ? new StringColumnBuilder(rows) : undefined;
    const bytes = plan.base === 'bytes' ? new BinaryColumnBuilder(rows) : undefined;
    walk.each((r, frameStart, frameEnd, groupStart) => {
      const start = plan.inGroup ? groupStart + plan.offset : plan.offset >= 0 ? frameStart + plan.offset : frameEnd + plan.offset;
      const end = plan.length !== undefined ? start + plan.length : frameEnd;
      if (strings) strings.set(r, fieldText(buf, start, end));
      else bytes!.push(buf.subarray(start, end));
    });
    return strings ? strings.build() : bytes!.build();
  }
}

function columnType(plan: Plan): Field['type'] {
  if (plan.base === 'bytes') return 'binary';
  return plan.base;
}

