import { allocColumn, type ColumnData, type Field, type FramesBatch, type NumericColumn, type NumericColumnType } from '../../core/batch.js';
import { BinaryColumnBuilder, StringColumnBuilder, fieldText } from './columns.js';
import type { BaseType, DecodeOptions, FieldType } from './options.js';

/** One output column of a binary decode, resolved from its option. */
interface Plan {
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

/** Rows of one batch: where each row's frame and group start, which frame it came from. */
export interface RowLayout {
  rows: number;
  frameStart: Uint32Array;
  frameEnd: Uint32Array;
  groupStart: Uint32Array;
  groupIndex: Uint32Array;
  hostTime: Float64Array;
}

/** Decodes binary fields of accepted frames into typed columns. */
export class BinaryDecoder {
  readonly plans: Plan[];
  readonly fields: Field[];
  /** Bytes a frame needs for its fixed fields. */
  readonly minLength: number;
  readonly stride: number;

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
      const size = count.type === 'u8' ? 1 : count.type.startsWith('u16') ? 2 : 4;
      if (at < start || at + size > start + length) return -1;
      n = readUnsigned(buf, at, size, count.type.endsWith('le') || count.type === 'u8');
      if (count.in === 'bytes') {
        if (n % this.stride !== 0) return -1;
        n /= this.stride;
      }
    }
    return n * this.stride <= room ? n : -1;
  }

  /** Fills every column for the rows laid out in `layout`. */
  decode(batch: FramesBatch, layout: RowLayout): Record<string, ColumnData> {
    const buf = batch.buffer;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const columns: Record<string, ColumnData> = {};
    for (const plan of this.plans) {
      const positions = plan.inGroup ? layout.groupStart : plan.offset >= 0 ? layout.frameStart : layout.frameEnd;
      const add = plan.offset;
      if (plan.base === 'bytes' || plan.base === 'string') columns[plan.name] = this.runs(buf, plan, positions, add, layout);
      else {
        const column = allocColumn(plan.base as NumericColumnType, layout.rows);
        fill(view, column, plan.base, plan.little, positions, add, layout.rows);
        columns[plan.name] = column;
      }
    }
    if (this.options.repeat?.index_as) columns[this.options.repeat.index_as] = layout.groupIndex.slice(0, layout.rows);
    return columns;
  }

  private runs(buf: Buffer, plan: Plan, positions: Uint32Array, add: number, layout: RowLayout): ColumnData {
    const strings = plan.base === 'string' ? new StringColumnBuilder(layout.rows) : undefined;
    const bytes = plan.base === 'bytes' ? new BinaryColumnBuilder(layout.rows) : undefined;
    for (let r = 0; r < layout.rows; r++) {
      const start = positions[r] + add;
      const end = plan.length !== undefined ? start + plan.length : layout.frameEnd[r];
      if (strings) strings.set(r, fieldText(buf, start, end));
      else bytes!.push(buf.subarray(start, end));
    }
    return strings ? strings.build() : bytes!.build();
  }
}

function columnType(plan: Plan): Field['type'] {
  if (plan.base === 'bytes') return 'binary';
  return plan.base;
}

function readUnsigned(buf: Uint8Array, at: number, size: number, little: boolean): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + buf[little ? at + size - 1 - i : at + i];
  return value;
}

/** One tight loop per type, so each stays monomorphic. */
function fill(view: DataView, column: NumericColumn, base: BaseType, little: boolean, positions: Uint32Array, add: number, rows: number): void {
  switch (base) {
    case 'u8':
      for (let r = 0; r < rows; r++) column[r] = view.getUint8(positions[r] + add);
      return;
    case 'i8':
      for (let r = 0; r < rows; r++) column[r] = view.getInt8(positions[r] + add);
      return;
    case 'u16':
      for (let r = 0; r < rows; r++) column[r] = view.getUint16(positions[r] + add, little);
      return;
    case 'i16':
      for (let r = 0; r < rows; r++) column[r] = view.getInt16(positions[r] + add, little);
      return;
    case 'u32':
      for (let r = 0; r < rows; r++) column[r] = view.getUint32(positions[r] + add, little);
      return;
    case 'i32':
      for (let r = 0; r < rows; r++) column[r] = view.getInt32(positions[r] + add, little);
      return;
    case 'f32':
      for (let r = 0; r < rows; r++) column[r] = view.getFloat32(positions[r] + add, little);
      return;
    case 'f64':
      for (let r = 0; r < rows; r++) column[r] = view.getFloat64(positions[r] + add, little);
      return;
    case 'u64': {
      const c = column as BigUint64Array;
      for (let r = 0; r < rows; r++) c[r] = view.getBigUint64(positions[r] + add, little);
      return;
    }
    case 'i64': {
      const c = column as BigInt64Array;
      for (let r = 0; r < rows; r++) c[r] = view.getBigInt64(positions[r] + add, little);
      return;
    }
  }
}
