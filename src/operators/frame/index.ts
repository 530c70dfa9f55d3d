import type { BytesBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { bySource, operate } from '../operate.js';
import { DeadLetters, deadLetterOutputs, REJECT_ERRORS } from '../dead-letters.js';
import { Framer } from './framer.js';
import { frameOptions } from './options.js';
import { ScanOutput } from './output.js';
import { CrcFailureWatch } from '../crc/failure-watch.js';
import { algorithmText, crcSettings } from '../crc/options.js';
import { createScanner } from './scanners.js';

/**
 * Cuts a byte stream into frames. Bytes that belong to no frame are counted as `resync_bytes`;
 * rejected candidates as `oversize`, `crc`, `short` or `encoding` (broken COBS/SLIP/HDLC escaping), and candidates left unchecked by the
 * scan's work bounds (crafted input) as `unchecked`; the `framed_bytes` counter holds the rest, so
 * framed_bytes + resync_bytes accounts for every byte in. With `dead_letter` the rejected bytes go to
 * that output with the reason and host time. What can be recovered with and without a CRC is in
 * docs/hardware.md ("Framing garbled bytes").
 */
// Every reject reason but `decode`, which only the decode step gives.
const { decode: _onlyDecode, ...FRAME_REJECTS } = REJECT_ERRORS;

export const frameOperator = defineOperator({
  type: 'frame',
  metrics: { errors: { ...FRAME_REJECTS, unchecked: 'frames' }, counters: { framed_bytes: 'bytes' } },
  summary: 'Cuts bytes into frames (delimited, cobs, slip, hdlc, fixed, lines), resyncing past damage without losing good frames.',
  options: frameOptions,
  input: 'bytes',
  output: 'frames',
  outputs: deadLetterOutputs,
  // A crc step right after a frame step is done inside the framer: a candidate that fails the CRC is
  // rejected and scanning goes on at its next byte, so garbage that looks like a frame start never
  // costs the good frame hidden behind it. Not when the crc step keeps its own dead letters.
  absorbNext(own, nextType, next) {
    if (nextType !== 'crc' || own.crc !== undefined || next.dead_letter !== undefined) return undefined;
    return { ...own, crc: next };
  },
  create(options, context) {
    const dead = new DeadLetters(context, options.dead_letter);
    // Every candidate the framer checks either becomes a frame or is rejected as `crc`.
    const watch = options.crc ? new CrcFailureWatch(crcSettings(options.crc), algorithmText(options.crc), context.metrics, context.log) : undefined;
    // One framer per stream (source, or tcp server connection): bytes of two devices never splice.
    return operate({
      input: 'bytes',
      streamKey: bySource,
      metrics: context.metrics,
      state: () => ({ framer: new Framer(createScanner(options), context.metrics, new ScanOutput(dead)), source: context.id, lastTimeNs: 0 }),
      next(batch: BytesBatch, emit, stream) {
        stream.source = batch.source;
        stream.lastTimeNs = batch.hostTimeNs;
        const failedBefore = context.metrics.errors.get('crc') ?? 0;
        let framed = 0;
        for (const frames of stream.framer.push(batch)) {
          framed += frames.count;
          emit(frames);
        }
        watch?.record(framed, (context.metrics.errors.get('crc') ?? 0) - failedBefore);
        dead.flush(stream.source);
      },
      flush(emit, stream) {
        const frames = stream.framer.finish(stream.source, stream.lastTimeNs);
        if (frames) emit(frames);
        dead.flush(stream.source);
      },
    });
  },
  examples: [{ title: 'Delimited frames with a length field; rejected bytes, with their reason, go to a dead-letter output', yaml: `
sources: { node: { type: simulator, faults: { garbage: 0.01 } } }
transforms:
  frames: { inputs: [node], steps: [ { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 }, dead_letter: rejected } ] }
sinks:
  console: { type: stdout, inputs: [frames], format: summary }
  rejected: { type: stdout, inputs: [frames.rejected], format: jsonl }
` }],
});
