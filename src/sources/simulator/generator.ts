import { type Field, type RecordsBatch, recordsBatch } from '../../core/batch.js';
import type { ComponentMetrics } from '../../core/metrics.js';
import type { SimDevice } from './device.js';
import type { Prng } from './prng.js';
import { FRAME_OVERHEAD, HEADER_BYTES, sealFrame } from './protocol.js';

/** Per-frame probabilities of each fault (0 = never). */
export interface FaultRates {
  readonly bit_flip: number;
  readonly drop: number;
  readonly garbage: number;
  readonly truncate: number;
  readonly reset: number;
  readonly stall: number;
}

const MAX_GARBAGE = 32;

/**
 * Produces a device's frames with the reference protocol's header, CRC and end byte, injecting faults
 * at the configured rates. Every injected fault is counted on the simulator's metrics, so a test or a
 * user can check that the pipeline's CRC and resync counts match what was injected:
 * - `injected_bit_flips`: frames with one payload bit flipped (each is one CRC failure),
 * - `injected_drops`: frames never sent (seq gaps), `injected_resets`: seq and ticks restarted,
 * - `injected_garbage_bytes` and `injected_truncated_bytes`: bytes a framer must skip,
 * - `injected_stalls`: pauses of `stall_duration`.
 */
export class FrameGenerator {
  private seq: number;
  /** Device time in ticks since the last (re)start, not wrapped; the header carries it mod 2^32. */
  private ticks: number;
  private frameIndex = 0;
  /** Frames produced so far (sent or dropped), for the `frames` limit. */
  produced = 0;

  constructor(
    private readonly device: SimDevice,
    private readonly prng: Prng,
    private readonly faults: FaultRates,
    private readonly metrics: ComponentMetrics,
    start: { seq: number; ticks: number },
  ) {
    this.seq = start.seq;
    this.ticks = start.ticks;
  }

  /** Writes up to `count` frames as one byte chunk; `stall` is true when a stall fault fired. */
  nextBytes(count: number): { data: Buffer; stall: boolean } {
    const slot = this.device.maxPayload + FRAME_OVERHEAD + MAX_GARBAGE;
    const buffer = Buffer.allocUnsafe(slot * count);
    let at = 0;
    let stall = false;
    for (let n = 0; n < count; n++) {
      this.maybeReset();
      if (this.prng.chance(this.faults.garbage)) at += this.writeGarbage(buffer, at);
      const length = this.device.writePayload(buffer, at + HEADER_BYTES, this.frameIndex, this.ticks);
      const frameLength = sealFrame(buffer, at, this.device.frameType, this.seq, this.ticks, length);
      this.advance();
      if (this.prng.chance(this.faults.drop)) {
        this.metrics.count('injected_drops');
        continue;
      }
      if (length > 0 && this.prng.chance(this.faults.bit_flip)) {
        buffer[at + HEADER_BYTES + this.prng.int(0, length - 1)] ^= 1 << this.prng.int(0, 7);
        this.metrics.count('injected_bit_flips');
      }
      let written = frameLength;
      if (this.prng.chance(this.faults.truncate)) {
        written = this.prng.int(1, frameLength - 1);
        this.metrics.count('injected_truncations');
        this.metrics.count('injected_truncated_bytes', written);
      }
      at += written;
      this.metrics.count('frames_sent');
      if (this.prng.chance(this.faults.stall)) {
        stall = true;
        this.metrics.count('injected_stalls');
        break;
      }
    }
    return { data: buffer.subarray(0, at), stall };
  }

  /** Decoded rows for `count` frames, skipping framing (drop and reset faults still apply). */
  nextRecords(count: number, source: string, hostTimeNs: number): RecordsBatch {
    const shape = this.device.records;
    if (!shape) throw new Error('this device has no records form; use emit: bytes');
    const rows = count * shape.rowsPerFrame;
    const seq = new Uint16Array(rows);
    const ticks = new Uint32Array(rows);
    const hostTime = new Float64Array(rows).fill(hostTimeNs);
    const columns: Record<string, Uint32Array> = {};
    for (const field of shape.fields) columns[field.name] = new Uint32Array(rows);
    let row = 0;
    for (let n = 0; n < count; n++) {
      this.maybeReset();
      if (this.prng.chance(this.faults.drop)) {
        this.metrics.count('injected_drops');
        this.advance();
        continue;
      }
      shape.fill(columns, row, this.frameIndex, this.ticks);
      seq.fill(this.seq, row, row + shape.rowsPerFrame);
      ticks.fill(this.ticks >>> 0, row, row + shape.rowsPerFrame);
      row += shape.rowsPerFrame;
      this.advance();
      this.metrics.count('frames_sent');
    }
    const fields: Field[] = [{ name: 'seq', type: 'u16' }, { name: 't_ticks', type: 'u32', unit: 'us' }, ...shape.fields, { name: 'host_time', type: 'f64', unit: 'ns', time: 'host' }];
    const all: Record<string, Uint16Array | Uint32Array | Float64Array> = { seq: seq.subarray(0, row), t_ticks: ticks.subarray(0, row), host_time: hostTime.subarray(0, row) };
    for (const field of shape.fields) all[field.name] = columns[field.name].subarray(0, row);
    return recordsBatch(source, fields, all, row);
  }

  private maybeReset(): void {
    if (this.produced > 0 && this.prng.chance(this.faults.reset)) {
      this.seq = 0;
      this.ticks = 0;
      this.frameIndex = 0;
      this.metrics.count('injected_resets');
    }
  }

  private advance(): void {
    this.seq = (this.seq + 1) & 0xffff;
    this.ticks += this.device.ticksPerFrame;
    this.frameIndex++;
    this.produced++;
  }

  private writeGarbage(buffer: Buffer, at: number): number {
    const length = this.prng.int(1, MAX_GARBAGE);
    for (let i = 0; i < length; i++) buffer[at + i] = this.prng.int(0, 255);
    this.metrics.count('injected_garbage_bytes', length);
    return length;
  }
}
