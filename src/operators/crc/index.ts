import type { FramesBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import type { ComponentMetrics } from '../../core/metrics.js';
import { operate } from '../operate.js';
import { selectFrames } from '../select-frames.js';
import { DeadLetters, deadLetterOption, deadLetterOutputs } from '../dead-letters.js';
import { CRC_BAD, CRC_OK, crcCheck, type CrcCheck } from './check.js';
import { CrcFailureWatch } from './failure-watch.js';
import { algorithmText, checkCrcOptions, crcObject, crcSettings } from './options.js';

const options = crcObject.extend({ dead_letter: deadLetterOption() }).superRefine((value, ctx) => {
  checkCrcOptions(value, ctx);
});

/**
 * Checks each frame's CRC and passes on the frames that match. Failures are counted (`crc`, or
 * `short` when the frame cannot hold the range) and sent to the dead-letter output when one is set.
 * When nearly every frame fails, a warning names the likely wrong setting (see CrcFailureWatch).
 * For resynchronisation on CRC failures, give `frame` the same settings in its `crc` option.
 */
export const crcOperator = defineOperator({
  type: 'crc',
  metrics: { errors: { crc: 'frames', short: 'frames' } },
  summary: 'Checks a CRC in each frame (catalogue or custom algorithm) and drops failing frames, counted by reason.',
  options,
  input: 'frames',
  output: 'frames',
  outputs: deadLetterOutputs,
  create(opts, context) {
    const settings = crcSettings(opts);
    const check = crcCheck(settings);
    const dead = new DeadLetters(context, opts.dead_letter);
    const watch = new CrcFailureWatch(settings, algorithmText(opts), context.metrics, context.log);
    return operate({
      input: 'frames',
      next(batch: FramesBatch, emit) {
        const out = checkBatch(batch, check, dead, context.metrics, watch);
        dead.flush(batch.source);
        if (out) emit(out);
      },
    });
  },
  examples: [{ title: 'CRC-16 check of each frame; a damaged frame is counted and skipped', yaml: `
sources: { node: { type: simulator, faults: { bit_flip: 0.01 } } }
transforms:
  frames: { inputs: [node], steps: [ { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }, { type: crc, algorithm: CRC-16/IBM-3740, over: [1, -3], value: { offset: -3, type: u16le } } ] }
sinks: { console: { type: stdout, inputs: [frames], format: summary } }
` }],
});

/** The batch itself when every frame passes (no allocation), a subset otherwise, undefined if none. */
function checkBatch(batch: FramesBatch, check: CrcCheck, dead: DeadLetters, metrics: ComponentMetrics, watch: CrcFailureWatch): FramesBatch | undefined {
  const { buffer, offsets, lengths, count } = batch;
  let keep: Uint32Array | undefined;
  let kept = 0;
  let bad = 0;
  let short = 0;
  for (let i = 0; i < count; i++) {
    const verdict = check(buffer, offsets[i], lengths[i]);
    if (verdict === CRC_OK) {
      if (keep) keep[kept] = i;
      kept++;
      continue;
    }
    if (!keep) {
      keep = new Uint32Array(count);
      for (let j = 0; j < kept; j++) keep[j] = j;
    }
    if (verdict === CRC_BAD) bad++;
    else short++;
    dead.add(verdict === CRC_BAD ? 'crc' : 'short', buffer, offsets[i], offsets[i] + lengths[i], batch.hostTimeNs[i]);
  }
  if (bad) metrics.error('crc', bad);
  if (short) metrics.error('short', short);
  watch.record(kept, bad);
  if (!keep) return batch;
  return kept === 0 ? undefined : selectFrames(batch, keep, kept);
}
