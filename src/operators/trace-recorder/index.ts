import { z } from 'zod';
import type { Batch, BytesBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { type DecodeOutput, type DecoderStats, PsfDecoder } from './decoder.js';
import { bySource, operate } from '../operate.js';
import { objectsBatch, warningsBatch } from './side-outputs.js';

const options = z.strictObject({
  custom_printf_event_id: z
    .union([z.number().int().min(0).max(0xfff), z.string().regex(/^0x[0-9a-fA-F]{1,3}$/, 'a hex id such as "0xFA0"')])
    .transform((v) => (typeof v === 'string' ? parseInt(v, 16) : v))
    .optional()
    .meta({
      description: 'Event id (0..4095, or hex "0xFA0") of application-defined printf events: parameter count 0, then channel, u16 argument count, u16 format length, arguments and format.',
      examples: [4000, '0xFA0'],
    }),
});

/** Warnings of one kind logged before the rest are only counted (a lossy link can drop often). */
const LOGGED_PER_KIND = 20;

/**
 * `trace_recorder`: decodes Percepio TraceRecorder streaming traces (PSF v10-v14, little or big
 * endian) into one record per event: counters and timestamps unwrapped, drops counted from counter
 * gaps, ticks converted to device-time nanoseconds, tasks, ISRs and objects named from the symbol
 * table, printf user events formatted. A new start word in the stream is a restart: a new session.
 * Side outputs: `objects` (the symbol table at the end of each session) and `warnings`.
 *
 * @example
 * ```yaml
 * - { type: trace_recorder, custom_printf_event_id: 0xFA0 }
 * ```
 */
export const traceRecorder = defineOperator({
  type: 'trace_recorder',
  metrics: {
    errors: { garbage_bytes: 'bytes', truncated_events: 'events', truncated_bytes: 'bytes', bad_header: 'events' },
    counters: { dropped_events: 'events', restarts: 'events', unknown_events: 'events' },
    gauges: { heap_current: 'bytes', heap_high_water: 'bytes', 'unused_stack_min.*': 'bytes' },
  },
  summary: 'Decodes TraceRecorder streaming traces (PSF) into events: unwrapped counters and time, drops, names, printf text.',
  options,
  input: 'bytes',
  output: 'records',
  outputs: () => ({ objects: 'records', warnings: 'records' }),
  create(opts, context) {
    const logged = new Map<string, number>();
    // One decoder per stream: two targets' traces have two headers, symbol tables and counters.
    interface Stream {
      readonly decoder: PsfDecoder;
      readonly reported: DecoderStats;
    }

    const deliver = (stream: Stream, output: DecodeOutput): readonly Batch[] => {
      for (const warning of output.warnings) {
        const n = (logged.get(warning.kind) ?? 0) + 1;
        logged.set(warning.kind, n);
        if (n <= LOGGED_PER_KIND) context.log.warn({ kind: warning.kind, session: warning.session, count: warning.count }, `trace_recorder: ${warning.message}`);
        if (n === LOGGED_PER_KIND) context.log.warn({ kind: warning.kind }, `trace_recorder: further "${warning.kind}" warnings go to the warnings output only`);
      }
      if (output.warnings.length > 0) context.emit('warnings', warningsBatch(context.id, output.warnings));
      for (const session of output.sessions) context.emit('objects', objectsBatch(context.id, session));
      report(stream);
      return output.events;
    };

    // Metrics get the change of each decoder count since the last report.
    const report = ({ decoder, reported }: Stream) => {
      const s = decoder.stats;
      const delta = (key: keyof DecoderStats) => s[key] - reported[key];
      // Literal names, so the declaration test sees each one counted.
      if (delta('dropped') > 0) context.metrics.count('dropped_events', delta('dropped'));
      if (delta('restarts') > 0) context.metrics.count('restarts', delta('restarts'));
      if (delta('unknownEvents') > 0) context.metrics.count('unknown_events', delta('unknownEvents'));
      if (delta('garbageBytes') > 0) context.metrics.error('garbage_bytes', delta('garbageBytes'));
      if (delta('truncatedEvents') > 0) context.metrics.error('truncated_events', delta('truncatedEvents'));
      if (delta('truncatedBytes') > 0) context.metrics.error('truncated_bytes', delta('truncatedBytes'));
      if (delta('badHeaders') > 0) context.metrics.error('bad_header', delta('badHeaders'));
      Object.assign(reported, s);
      context.metrics.gauge('heap_current', decoder.heap.current);
      context.metrics.gauge('heap_high_water', decoder.heap.highWater);
      // unused_stack_min.<task>: a task's lowest unused stack, which the stdout summary shows.
      for (const [task, unused] of decoder.stackLowWater) context.metrics.gauge(`unused_stack_min.${task}`, unused);
    };

    return operate<BytesBatch, { stream?: Stream }>({
      input: 'bytes',
      streamKey: bySource,
      metrics: context.metrics,
      state: () => ({}),
      next(batch, emit, state) {
        // The decoder names its event batches after the stream, so it is made on the stream's first batch.
        const stream = (state.stream ??= newStream(batch.source));
        for (const out of deliver(stream, stream.decoder.push(batch.data))) emit(out);
      },
      flush(emit, state) {
        if (state.stream === undefined) return;
        for (const out of deliver(state.stream, state.stream.decoder.finish())) emit(out);
      },
    });

    function newStream(source: string): Stream {
      const decoder = new PsfDecoder({ customPrintfEventId: opts.custom_printf_event_id, source });
      return { decoder, reported: { ...decoder.stats } };
    }
  },
  examples: [{ title: 'A FreeRTOS trace file into an event table and per-task CPU windows', yaml: `
sources: { trace: { type: file, path: traces/run-1.psf } }
transforms:
  events: { inputs: [trace], steps: [ { type: trace_recorder } ] }
  cpu: { inputs: [events], steps: [ { type: cpu_window, window: 500ms } ] }
sinks:
  recording: { type: parquet, inputs: [events], path: "recordings/trace-{start}.parquet" }
  console: { type: stdout, inputs: [cpu], format: table }
` }],
});
