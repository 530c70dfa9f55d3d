import type { FramesBatch, NumericColumn } from '../../core/batch.js';
import type { Plan } from './binary.js';
import type { FrameLayout } from './layout.js';

/**
 * Column fills for binary decode. Each type and byte order has its own loop with a constant
 * DataView call and a single typed-array kind, so V8 keeps every loop monomorphic (a shared loop
 * calling per-type reader closures measured about six times slower per row).
 */

/** Walks the rows of a layout: frame start and end and group start of each row. */
export class RowWalk {
  private starts: Uint32Array | undefined;

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

  /** Start of each row's group in the batch buffer, computed once per batch. */
  groupStarts(): Uint32Array {
    if (this.starts) return this.starts;
    const { batch, layout } = this;
    const starts = new Uint32Array(layout.rows);
    for (let f = 0, r = 0; f < layout.count; f++) {
      let at = batch.offsets[layout.frames[f]] + this.repeatOffset;
      for (let g = layout.groups[f]; g > 0; g--, at += this.stride) starts[r++] = at;
    }
    return (this.starts = starts);
  }

  /** Position of a frame field in each decoded frame (once per frame, not per row). */
  framePositions(offset: number): Uint32Array {
    const { batch, layout } = this;
    const positions = new Uint32Array(layout.count);
    for (let f = 0; f < layout.count; f++) {
      const i = layout.frames[f];
      positions[f] = offset >= 0 ? batch.offsets[i] + offset : batch.offsets[i] + batch.lengths[i] + offset;
    }
    return positions;
  }
}

/** Reads `column[k] = value at positions[k] + add` for every k, by type and byte order. */
function read(view: DataView, column: NumericColumn, plan: Plan, positions: Uint32Array, add: number): void {
  const c = column as unknown as Record<number, number | bigint>;
  const n = positions.length;
  const p = positions;
  switch (plan.little ? plan.base : `${plan.base}be`) {
    case 'u8':
    case 'u8be':
      for (let k = 0; k < n; k++) c[k] = view.getUint8(p[k] + add);
      return;
    case 'i8':
    case 'i8be':
      for (let k = 0; k < n; k++) c[k] = view.getInt8(p[k] + add);
      return;
    case 'u16':
      for (let k = 0; k < n; k++) c[k] = view.getUint16(p[k] + add, true);
      return;
    case 'u16be':
      for (let k = 0; k < n; k++) c[k] = view.getUint16(p[k] + add, false);
      return;
    case 'i16':
      for (let k = 0; k < n; k++) c[k] = view.getInt16(p[k] + add, true);
      return;
    case 'i16be':
      for (let k = 0; k < n; k++) c[k] = view.getInt16(p[k] + add, false);
      return;
    case 'u32':
      for (let k = 0; k < n; k++) c[k] = view.getUint32(p[k] + add, true);
      return;
    case 'u32be':
      for (let k = 0; k < n; k++) c[k] = view.getUint32(p[k] + add, false);
      return;
    case 'i32':
      for (let k = 0; k < n; k++) c[k] = view.getInt32(p[k] + add, true);
      return;
    case 'i32be':
      for (let k = 0; k < n; k++) c[k] = view.getInt32(p[k] + add, false);
      return;
    case 'f32':
      for (let k = 0; k < n; k++) c[k] = view.getFloat32(p[k] + add, true);
      return;
    case 'f32be':
      for (let k = 0; k < n; k++) c[k] = view.getFloat32(p[k] + add, false);
      return;
    case 'f64':
      for (let k = 0; k < n; k++) c[k] = view.getFloat64(p[k] + add, true);
      return;
    case 'f64be':
      for (let k = 0; k < n; k++) c[k] = view.getFloat64(p[k] + add, false);
      return;
    case 'u64':
      for (let k = 0; k < n; k++) c[k] = view.getBigUint64(p[k] + add, true);
      return;
    case 'u64be':
      for (let k = 0; k < n; k++) c[k] = view.getBigUint64(p[k] + add, false);
      return;
    case 'i64':
      for (let k = 0; k < n; k++) c[k] = view.getBigInt64(p[k] + add, true);
      return;
    case 'i64be':
      for (let k = 0; k < n; k++) c[k] = view.getBigInt64(p[k] + add, false);
      return;
  }
}

/** A group field: one read per row. */
export function fillGroups(view: DataView, column: NumericColumn, plan: Plan, walk: RowWalk): void {
  read(view, column, plan, walk.groupStarts(), plan.offset);
}

/** A frame field: read once per frame into a scratch column, then repeated on each of its rows. */
export function fillFrames(view: DataView, column: NumericColumn, plan: Plan, walk: RowWalk): void {
  const { layout } = walk;
  if (layout.rows === layout.count) {
    read(view, column, plan, walk.framePositions(plan.offset), 0);
    return;
  }
  const perFrame = new (column.constructor as new (n: number) => NumericColumn)(layout.count);
  read(view, perFrame, plan, walk.framePositions(plan.offset), 0);
  const fill = column.fill.bind(column) as (value: number | bigint, start: number, end: number) => void;
  for (let f = 0, r = 0; f < layout.count; f++) {
    const n = layout.groups[f];
    fill(perFrame[f], r, r + n);
    r += n;
  }
}
