import type { BytesBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { batchOperator } from '../batch-operator.js';
import { DeadLetters, deadLetterOutputs } from '../dead-letters.js';
import { Framer } from './framer.js';
import { frameOptions } from './options.js';
import { ScanOutput } from './output.js';
import { createScanner } from './scanners.js';

/**
 * Cuts a byte stream into frames. Bytes that belong to no frame are counted as `resync_bytes`;
 * rejected candidates as `oversize`, `crc`, `short` or `decode`, and candidates left unchecked by the
 * scan's work bounds (crafted input) as `unchecked`; the `framed_bytes` counter holds the rest, so
 * framed_bytes + resync_bytes accounts for every byte in. With `dead_letter` the rejected bytes go to
 * that output with the reason and host time. What can be recovered with and without a CRC is in
 * docs/hardware.md ("Framing garbled bytes").
 */
export const frameOperator = defineOperator({
  type: 'frame',
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
    const framer = new Framer(createScanner(options), context.metrics, new ScanOutput(dead));
    let source = context.id;
    let lastTimeNs = 0;
    return batchOperator<BytesBatch>('frame', 'bytes', {
      next(batch, emit) {
        source = batch.source;
        lastTimeNs = batch.hostTimeNs;
        for (const frames of framer.push(batch)) emit(frames);
        dead.flush(source);
      },
      complete(emit) {
        const frames = framer.finish(source, lastTimeNs);
        if (frames) emit(frames);
        dead.flush(source);
      },
    });
  },
});
