import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesBatch, type RecordsBatch } from '../../../src/core/batch.js';
import { runOperator, standaloneContext } from '../../../src/core/standalone.js';
import { traceRecorder } from '../../../src/operators/trace-recorder/index.js';
import { ROOT } from '../../helpers/cli.js';
import { flatten } from '../records-helpers.js';
import { TraceWriter } from './generator.js';

const v10 = readFileSync(path.join(ROOT, 'test/fixtures/trace-recorder/v10-trace.psf'));

describe('trace_recorder operator', () => {
  it('turns byte chunks into event records with exactly the documented columns', async () => {
    const chunks = [v10.subarray(0, 100), v10.subarray(100, 181), v10.subarray(181)].map((d, i) => bytesBatch('file', d, i));
    const { output, context } = await runOperator(traceRecorder, {}, chunks);
    const names = (output[0] as RecordsBatch).schema.fields.map((f) => f.name);
    expect(names).toEqual(['event', 'event_id', 'params', 'count_raw', 'count', 'dropped', 'ticks_raw', 'ticks', 't_ns', 'context', 'object', 'priority', 'channel', 'text', 'session']);
    const rows = flatten(output);
    expect(rows.event).toHaveLength(52);
    expect(rows.event[0]).toBe('TRACE_START');
    expect(rows.event[51]).toBe('UNUSED_STACK');
    // The symbol table goes to the objects output when the input ends.
    const objects = flatten(context.emitted.get('objects') ?? []);
    expect(objects.name).toContain('TASK_A');
    expect(objects.class[objects.name.indexOf('ISR')]).toBe('isr');
    expect(objects.stack_low_water[objects.name.indexOf('TzCtrl')]).toBe(50n);
    expect(context.emitted.get('warnings') ?? []).toEqual([]);
    expect(context.metrics.gauges.get('heap_high_water')).toBe(4);
  });

  it('counts drops, garbage, restarts and truncation in its metrics and sends warnings to their output and the log', async () => {
    const w = new TraceWriter();
    w.event(0x30, [1]);
    w.event(0x30, [1], { count: 5 }); // 3 missing
    const again = new TraceWriter();
    again.event(0x30, [1]);
    const bytes = Buffer.concat([Buffer.from('noise!'), w.bytes(), again.bytes(), Buffer.from([0x30, 0x10, 0x02])]);
    const logged: string[] = [];
    const context = standaloneContext('trace');
    const log = { ...context.log, warn: (_: object, msg: string) => void logged.push(msg) } as unknown as typeof context.log;
    const { output } = await runOperator(traceRecorder, {}, [bytesBatch('file', bytes, 0)], { ...context, log });
    expect(flatten(output).session).toEqual([0, 0, 1]);
    const m = context.metrics;
    expect(m.counters.get('dropped_events')).toBe(3);
    expect(m.counters.get('restarts')).toBe(1);
    expect(m.errors.get('garbage_bytes')).toBe(6);
    expect(m.errors.get('truncated_events')).toBe(1);
    expect(m.errors.get('truncated_bytes')).toBe(3);
    const warnings = flatten(context.emitted.get('warnings') ?? []);
    expect(warnings.kind).toEqual(['garbage', 'drop', 'restart', 'truncated']);
    expect(logged).toHaveLength(4);
    expect(logged[1]).toMatch(/3 events missing/);
    expect(context.emitted.get('objects')).toHaveLength(2); // one table per session
  });

  it('refuses a non-numeric or out-of-range custom_printf_event_id', () => {
    expect(traceRecorder.options.safeParse({ custom_printf_event_id: 'fast' }).success).toBe(false);
    expect(traceRecorder.options.safeParse({ custom_printf_event_id: true }).success).toBe(false);
    expect(traceRecorder.options.safeParse({ custom_printf_event_id: 4096 }).success).toBe(false);
    expect(traceRecorder.options.parse({ custom_printf_event_id: '0xFA0' }).custom_printf_event_id).toBe(4000);
  });
});
