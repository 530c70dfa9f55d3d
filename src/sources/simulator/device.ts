import type { Field } from '../../core/batch.js';

/**
 * A simulated device: what one frame of it carries. The simulator core owns the header (seq, ticks),
 * the CRC, pacing and faults; a device only fills payloads and says how time advances.
 */
export interface SimDevice {
  readonly frameType: number;
  /** Frames per second of device time. */
  readonly frameRate: number;
  /** Device ticks (1 MHz) between two frames. */
  readonly ticksPerFrame: number;
  /** Largest payload a frame can have, for buffer sizing. */
  readonly maxPayload: number;
  /**
   * Writes frame number `frameIndex`'s payload at `target[offset..]` and returns its length.
   * `ticks` is the frame's unwrapped device time in ticks since the device (re)started.
   */
  writePayload(target: Buffer, offset: number, frameIndex: number, ticks: number): number;
  /** Rows a frame decodes to, and how to write them as columns (the simulator's `emit: records`). */
  readonly records?: RecordsShape;
}

export interface RecordsShape {
  readonly rowsPerFrame: number;
  /** Fields after the common seq, t_ticks, host_time columns. */
  readonly fields: readonly Field[];
  /** Fills rows [row, row + rowsPerFrame) of `columns` for one frame. */
  fill(columns: Record<string, ArrayLike<number> & { [i: number]: number }>, row: number, frameIndex: number, ticks: number): void;
}
