import type { FramesBatch, NumericColumn } from '../../core/batch.js';
import type { Plan } from './binary.js';
import type { FrameLayout } from './layout.js';
import type { BaseType } from './options.js';

/** Column fills for binary decode: one DataView read per value, the byte order fixed per reader. */

/** Walks the rows of a layout: frame start and end and group start of each row. */
export class RowWalk {
  constructor(
    readonly batch: FramesBatch,
    readonly layout: FrameLayout,
    readonly repeatOffset: number,
    readonly stride: number,
  ) {}

  each(visit: (row: number, frameStart: number, frameEnd: number, groupStart: number) => void): void {
    const { batch, layout } = this;
    for (let f = 0, r = 0; f < layout.count; f++) {
      const start = batch.offsets[layout.frames[f]];
      const end = start + batch.lengths[layout.frames[f]];
      for (let g = 0; g < layout.groups[f]; g++) visit(r++, start, end, start + this.repeatOffset + g * this.stride);
    }
  }
}

type Reader = (view: DataView, at: number) => number | bigint;

/** Readers with the byte order fixed, so V8 inlines each DataView call. */
function reader(base: BaseType, little: boolean): Reader {
  switch (base) {
    case 'u8':
      return (v, at) => v.getUint8(at);
    case 'i8':
      return (v, at) => v.getInt8(at);
    case 'u16':
      return little ? (v, at) => v.getUint16(at, true) : (v, at) => v.getUint16(at, false);
    case 'i16':
      return little ? (v, at) => v.getInt16(at, true) : (v, at) => v.getInt16(at, false);
    case 'u32':
      return little ? (v, at) => v.getUint32(at, true) : (v, at) => v.getUint32(at, false);
    case 'i32':
      return little ? (v, at) => v.getInt32(at, true) : (v, at) => v.getInt32(at, false);
    case 'f32':
      return little ? (v, at) => v.getFloat32(at, true) : (v, at) => v.getFloat32(at, false);
    case 'f64':
      return little ? (v, at) => v.getFloat64(at, true) : (v, at) => v.getFloat64(at, false);
    case 'u64':
      return little ? (v, at) => v.getBigUint64(at, true) : (v, at) => v.getBigUint64(at, false);
    case 'i64':
      return little ? (v, at) => v.getBigInt64(at, true) : (v, at) => v.getBigInt64(at, false);
  }
}

/** A header field: read once per frame, repeated on each of the frame's rows. */
export function fillFrames(view: DataView, column: NumericColumn, plan: Plan, walk: RowWalk): void {
  const read = reader(plan.base as BaseType, plan.little);
  const { batch, layout } = walk;
  const fill = column.fill.bind(column) as (value: number | bigint, start: number, end: number) => void;
  for (let f = 0, r = 0; f < layout.count; f++) {
    const i = layout.frames[f];
    const at = plan.offset >= 0 ? batch.offsets[i] + plan.offset : batch.offsets[i] + batch.lengths[i] + plan.offset;
    const n = layout.groups[f];
    fill(read(view, at), r, r + n);
    r += n;
  }
}

/** A group field: one read per row, walking the groups of each frame by the stride. */
export function fillGroups(view: DataView, column: NumericColumn, plan: Plan, walk: RowWalk): void {
  const read = reader(plan.base as BaseType, plan.little);
  const { batch, layout, stride } = walk;
  const target = column as unknown as { [row: number]: number | bigint };
  for (let f = 0, r = 0; f < layout.count; f++) {
    let at = batch.offsets[layout.frames[f]] + walk.repeatOffset + plan.offset;
    for (let g = layout.groups[f]; g > 0; g--, at += stride) target[r++] = read(view, at);
  }
}
