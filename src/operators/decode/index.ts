import { recordsBatch, type Field, type FramesBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { operate } from '../operate.js';
import { DeadLetters, deadLetterOutputs } from '../dead-letters.js';
import { BinaryDecoder } from './binary.js';
import { layoutFrames } from './layout.js';
import { decodeOptions } from './options.js';
import { TextLineDecoder } from './text.js';

const HOST_TIME: Field = { name: 'host_time', type: 'f64', unit: 'ns', time: 'host', description: 'Receive time of the read that completed the frame.' };

/**
 * Turns frames into typed records: binary fields at fixed offsets (with `repeat` for arrays of
 * sample groups, one row per group), or text lines as csv or key=value. Every row gets the frame's
 * host time as `host_time`. Frames too short for their fields count as `short`, lines that do not
 * parse as `decode`; frames filtered out by `when` count as `frames_skipped`.
 */
export const decodeOperator = defineOperator({
  type: 'decode',
  metrics: { errors: { decode: 'frames', short: 'frames' }, counters: { header_lines: 'frames', frames_skipped: 'frames' } },
  summary: 'Decodes frames into typed columns: binary fields and repeated sample groups, or csv / key=value text.',
  options: decodeOptions,
  input: 'frames',
  output: 'records',
  outputs: deadLetterOutputs,
  // The columns follow from the options alone, except csv columns named by a header line.
  schema(options) {
    if (options.text) {
      const fields = new TextLineDecoder(options.text).fields();
      return fields && [...fields, HOST_TIME];
    }
    return [...new BinaryDecoder(options).fields, HOST_TIME];
  },
  create(options, context) {
    const dead = new DeadLetters(context, options.dead_letter);
    const text = options.text ? new TextLineDecoder(options.text) : undefined;
    const binary = options.text ? undefined : new BinaryDecoder(options);
    const binaryFields = binary ? [...binary.fields, HOST_TIME] : [];
    return operate({
      input: 'frames',
      next(batch: FramesBatch, emit) {
        if (text) {
          const counts = { decode: 0, headers: 0 };
          const result = text.decode(batch, dead, counts);
          if (counts.decode) context.metrics.error('decode', counts.decode);
          if (counts.headers) context.metrics.count('header_lines', counts.headers);
          dead.flush(batch.source);
          if (result && result.rows > 0) {
            emit(recordsBatch(batch.source, [...text.fields()!, HOST_TIME], { ...result.columns, host_time: result.hostTime }, result.rows));
          }
          return;
        }
        const counts = { skipped: 0, short: 0 };
        const layout = layoutFrames(batch, options, binary!, dead, counts);
        if (counts.skipped) context.metrics.count('frames_skipped', counts.skipped);
        if (counts.short) context.metrics.error('short', counts.short);
        dead.flush(batch.source);
        if (layout.rows === 0) return;
        const { columns, hostTime } = binary!.decode(batch, layout);
        emit(recordsBatch(batch.source, binaryFields, { ...columns, host_time: hostTime }, layout.rows));
      },
    });
  },
  examples: [{ title: 'Header fields once per frame, then one row per sample group', yaml: `
sources: { node: { type: simulator } }
transforms:
  samples:
    inputs: [node]
    steps:
      - { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }
      - { type: crc, algorithm: CRC-16/IBM-3740, over: [1, -3], value: { offset: -3, type: u16le } }
      - type: decode
        fields: [ { name: seq, type: u16le, offset: 2 }, { name: t_ticks, type: u32le, offset: 4 } ]
        repeat: { offset: 10, index_as: i, fields: [ { name: voltage_raw, type: u32le }, { name: current_raw, type: u32le } ] }
sinks: { console: { type: stdout, inputs: [samples], format: table, columns: [seq, i, voltage_raw], every: 1s } }
` }],
});
