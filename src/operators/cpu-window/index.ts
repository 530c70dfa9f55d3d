import { z } from 'zod';
import { type ColumnData, type Field, type RecordsBatch, recordsBatch } from '../../core/batch.js';
import { defineOperator } from '../../core/component.js';
import { duration } from '../../core/options.js';
import { numberColumn, resolveTimeField } from '../../core/records/columns.js';
import { StringColumnBuilder } from '../decode/columns.js';
import { bySource, operate } from '../operate.js';
import { CpuAccounting, type WindowRows, emptyRows } from './accounting.js';
import { TraceCpuWindows, isTraceRecords } from './trace.js';

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/);

const options = z.strictObject({
  time: name.optional().meta({ description: 'Time column (float64 ns). Default: the first device-time column, else the first host-time one.', examples: ['t_device_ns'] }),
  task: name.default('task_id').meta({ description: 'Column with the task (or ISR) id.', examples: ['task_id'] }),
  event: z
    .union([name, z.literal(false)])
    .default('event')
    .meta({ description: 'Column with the event code; only records whose event equals switch_in count as switches. false: every record is a switch-in.', examples: ['event', false] }),
  switch_in: z.number().int().default(1).meta({ description: 'Event code of "task switched in".', examples: [1] }),
  names: z
    .record(z.string().regex(/^\d+$/), z.string())
    .optional()
    .meta({ description: 'Task names by id; adds a "task" string column (unnamed ids read "task <id>").', examples: [{ '0': 'idle', '1': 'sensor', '2': 'radio' }] }),
  window: duration()
    .default(500)
    .meta({ description: 'Measurement window; it closes at the first task switch after it has elapsed, and its real length is reported.', examples: ['500ms', '1s'] }),
});

/**
 * `cpu_window`: per-task CPU utilization over measurement windows from task-switch records, as the
 * TraceRecorder plugin for Modality computes it (see accounting.ts). Emits one record per task per
 * closed window; at the end of the stream the open window is emitted with `complete` = 0.
 *
 * @example
 * ```yaml
 * - { type: cpu_window, time: t_device_ns, task: task_id, window: 500ms, names: { "0": idle, "1": sensor } }
 * ```
 */
export const cpuWindow = defineOperator({
  type: 'cpu_window',
  metrics: { errors: { time_backwards: 'rows' }, counters: { windows: 'windows' } },
  summary: 'Per-task CPU utilization over measurement windows from task-switch records (TraceRecorder semantics).',
  options,
  input: 'records',
  output: 'records',
  create(opts, context) {
    interface Stream {
      readonly accounting: CpuAccounting;
      // trace_recorder events name their contexts; they have their own accounting (see trace.ts).
      readonly trace: TraceCpuWindows;
      source: string;
      timeField?: Field;
    }

    const build = ({ source, timeField }: Stream, rows: WindowRows): RecordsBatch | undefined => {
      const n = rows.taskId.length;
      if (n === 0) return undefined;
      const timeMeta = { type: 'f64' as const, unit: 'ns', ...(timeField?.time ? { time: timeField.time } : {}) };
      const fields: Field[] = [
        { name: 'window_start', ...timeMeta },
        { name: 'window_end', ...timeMeta },
        { name: 'task_id', type: 'u32' },
        { name: 'runtime', type: 'f64', unit: 'ns', description: 'total time the task has run' },
        { name: 'runtime_in_window', type: 'f64', unit: 'ns' },
        { name: 'runtime_window', type: 'f64', unit: 'ns', description: 'real length of the window' },
        { name: 'cpu_utilization', type: 'f64', description: 'runtime_in_window / runtime_window' },
        { name: 'complete', type: 'u8', description: '1: closed by a task switch; 0: cut at the end of the stream' },
      ];
      const columns: Record<string, ColumnData> = {
        window_start: Float64Array.from(rows.windowStart),
        window_end: Float64Array.from(rows.windowEnd),
        task_id: Uint32Array.from(rows.taskId),
        runtime: Float64Array.from(rows.runtime),
        runtime_in_window: Float64Array.from(rows.runtimeInWindow),
        runtime_window: Float64Array.from(rows.runtimeWindow),
        cpu_utilization: Float64Array.from(rows.utilization),
        complete: Uint8Array.from(rows.complete),
      };
      if (opts.names) {
        const names = opts.names;
        fields.splice(3, 0, { name: 'task', type: 'string' });
        columns.task = StringColumnBuilder.of(rows.taskId.map((id) => names[String(id)] ?? `task ${id}`));
      }
      context.metrics.count('windows', new Set(rows.windowEnd).size);
      return recordsBatch(source, fields, columns, n);
    };

    // One accounting per stream: task switches of two targets are two schedules.
    return operate({
      input: 'records',
      streamKey: bySource,
      metrics: context.metrics,
      state: (): Stream => ({ accounting: new CpuAccounting(opts.window * 1e6), trace: new TraceCpuWindows(opts.window * 1e6, opts.time, context), source: context.id }),
      next(records: RecordsBatch, emit, stream) {
        if (isTraceRecords(records)) {
          for (const out of stream.trace.step(records)) emit(out);
          return;
        }
        const { accounting } = stream;
        stream.source = records.source;
        stream.timeField = resolveTimeField(records.schema, opts.time);
        const time = numberColumn(records, stream.timeField.name);
        const task = numberColumn(records, opts.task);
        const event = opts.event === false ? undefined : numberColumn(records, opts.event);
        const rows = emptyRows();
        const before = accounting.backwards;
        for (let i = 0; i < records.length; i++) {
          const t = time[i];
          accounting.seen(t);
          if (event === undefined || event[i] === opts.switch_in) accounting.switchIn(t, task[i], rows);
        }
        if (accounting.backwards > before) context.metrics.error('time_backwards', accounting.backwards - before);
        const out = build(stream, rows);
        if (out) emit(out);
      },
      flush(emit, stream) {
        const rows = emptyRows();
        for (const out of stream.trace.flush()) emit(out);
        stream.accounting.finish(rows);
        const out = build(stream, rows);
        if (out) emit(out);
      },
    });
  },
  examples: [{ title: 'Per-task CPU share of an RTOS over 500 ms windows', yaml: `
sources: { rtos: { type: simulator, device: tasks } }
transforms:
  switches:
    inputs: [rtos]
    steps:
      - { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }
      - type: decode
        when: { offset: 1, equals: 0x02 }
        repeat: { offset: 10, until: -3, fields: [ { name: t_ticks, type: u32le }, { name: task_id, type: u16le }, { name: event, type: u8 }, { name: reserved, type: u8 } ] }
      - { type: derive, fields: { t_device_ns: "t_ticks * 1000" }, time: { t_device_ns: device } }
      - { type: cpu_window, time: t_device_ns, task: task_id, event: event, window: 500ms, names: { "0": IDLE, "1": sensor } }
sinks: { console: { type: stdout, inputs: [switches], format: table, every: 1s } }
` }],
});
