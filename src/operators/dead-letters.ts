import type { BatchKind, Field } from '../core/batch.js';
import { recordsBatch } from '../core/batch.js';
import type { ComponentContext } from '../core/component.js';
import type { MetricUnit } from '../core/metrics.js';
import { z } from 'zod';

/**
 * Dead letters: bytes and frames an operator rejected, sent with their reason and host time to a
 * named side output (`dead_letter: NAME`, addressed as `<transform>.NAME`) so they can be recorded.
 * Its reasons are these error counters, declared once with their units; `frame` declares all but
 * `decode`, `crc` and `decode` the ones they can give. `encoding` is a COBS, SLIP or HDLC frame whose escaping
 * is broken; `decode` a frame the decode step cannot read.
 */
export const REJECT_ERRORS = { resync_bytes: 'bytes', oversize: 'frames', crc: 'frames', short: 'frames', encoding: 'frames', decode: 'frames' } as const satisfies Record<string, MetricUnit>;

/** A reason bytes are rejected for: an error counter of the operator that rejects them (REJECT_ERRORS). */
export type RejectReason = keyof typeof REJECT_ERRORS;

/** Schema of a dead-letter batch: reason, host time and the raw bytes of each rejected run. */
export const DEAD_LETTER_FIELDS: readonly Field[] = [
  { name: 'reason', type: 'string', description: 'Why the bytes were rejected.' },
  { name: 'host_time', type: 'f64', unit: 'ns', time: 'host', description: 'Receive time of the read that held them.' },
  { name: 'bytes', type: 'binary', description: 'The rejected bytes as they arrived.' },
];

/** The `dead_letter` option shared by the byte operators. */
export function deadLetterOption() {
  return z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'a snake_case output name')
    .optional()
    .meta({ description: 'Name of a side output that receives rejected bytes with reason and host time (address it as <transform>.<name>).', examples: ['rejected'] });
}

/** The side outputs an operator with a `dead_letter` option declares. */
export function deadLetterOutputs(options: { dead_letter?: string }): Record<string, BatchKind> {
  return options.dead_letter ? { [options.dead_letter]: 'records' } : {};
}

/** Collects rejected byte runs during one input batch and emits them as one records batch. */
export class DeadLetters {
  private reasons: RejectReason[] = [];
  private times: number[] = [];
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  constructor(
    private readonly context: ComponentContext,
    private readonly output: string | undefined,
  ) {}

  /** True when rejected bytes are kept (a dead-letter output is configured). */
  get enabled(): boolean {
    return this.output !== undefined;
  }

  /** Keeps `buf[start, end)`; the buffer must not change afterwards (batches are immutable). */
  add(reason: RejectReason, buf: Uint8Array, start: number, end: number, hostTimeNs: number): void {
    if (this.output === undefined) return;
    this.reasons.push(reason);
    this.times.push(hostTimeNs);
    this.chunks.push(buf.subarray(start, end));
    this.bytes += end - start;
  }

  /** Emits what was collected since the last flush, if anything. */
  flush(source: string): void {
    if (this.output === undefined || this.reasons.length === 0) return;
    const n = this.reasons.length;
    const data = new Uint8Array(this.bytes);
    const offsets = new Int32Array(n + 1);
    const dictionary: RejectReason[] = [];
    const codes = new Int32Array(n);
    for (let i = 0, at = 0; i < n; i++) {
      data.set(this.chunks[i], at);
      at += this.chunks[i].length;
      offsets[i + 1] = at;
      let code = dictionary.indexOf(this.reasons[i]);
      if (code < 0) code = dictionary.push(this.reasons[i]) - 1;
      codes[i] = code;
    }
    const batch = recordsBatch(
      source,
      DEAD_LETTER_FIELDS,
      { reason: { codes, dictionary }, host_time: Float64Array.from(this.times), bytes: { data, offsets } },
      n,
    );
    this.reasons = [];
    this.times = [];
    this.chunks = [];
    this.bytes = 0;
    this.context.emit(this.output, batch);
  }
}
