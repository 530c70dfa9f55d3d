// TraceRecorder decoding: events/s of the PSF decoder alone and of the trace_recorder operator
// through RxJS, over a synthetic kernel trace (task switches, ISRs, queue traffic, a printf every
// 1000 events) fed in 64 KiB chunks, median of several runs; and the CPU a live trace costs, as
// percent of one core per 100 k events/s (a busy RTOS produces 10-100 k events/s).
//   Run: node --import tsx bench/trace-recorder.ts
// Env: BENCH_TRACE_EVENTS (default 20e6), BENCH_REPEATS (default 5).
import { from, lastValueFrom, reduce } from 'rxjs';
import { type Batch, bytesBatch } from '../src/core/batch.js';
import { buildOperator, standaloneContext } from '../src/core/standalone.js';
import { PsfDecoder } from '../src/operators/trace-recorder/decoder.js';
import { traceRecorder } from '../src/operators/trace-recorder/index.js';
import { TraceWriter } from '../test/operators/trace-recorder/generator.js';
import { median, report } from './support/report.js';

const EVENTS = Number(process.env.BENCH_TRACE_EVENTS ?? 20_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const CHUNK = 64 * 1024;
/** Events per cycle of the synthetic body: a whole turn of the u16 counter, so cycles join seamlessly. */
const CYCLE = 65_536;

const HEAD_EVENTS = 11;
const TASKS = [0x100, 0x104, 0x108, 0x10c];
const ISR = 0x200;
const QUEUE = 0x300;

/** The trace header and names, and one cycle of events that can be repeated. */
function syntheticTrace(): { head: Buffer; cycle: Buffer } {
  // The 11 head events end at count 65535, so the first cycle goes on from 0 without a gap.
  const w = new TraceWriter({ version: 12, frequency: 100_000_000 }, 65_536 - HEAD_EVENTS);
  w.event(0x01, [TASKS[0]]);
  TASKS.forEach((t, k) => {
    w.name(t, `task${k}`);
    w.event(0x10, [t, k]);
  });
  w.event(0x07, [ISR, 5], { tail: Buffer.from('uart\0') });
  w.name(QUEUE, 'rx');
  const head = w.bytes();
  if (w.count !== 0) throw new Error('synthetic trace: the head does not end at count 65535');
  w.parts.length = 0;
  // Restart the counter at 0 so the cycle holds counts 0..65535 and repeats without a gap.
  w.count = 0;
  for (let k = 0; w.count !== 0 || k === 0; k++) {
    const step = k % 8;
    const ticks = { ticks: (k * 37) >>> 0 };
    if (step === 0) w.event(0x37, [TASKS[(k >> 3) % 4], (k >> 3) % 4], ticks);
    else if (step === 1) w.event(0x50, [QUEUE, 1], ticks);
    else if (step === 2) w.event(0x33, [ISR], ticks);
    else if (step === 3) w.event(0x59, [QUEUE, 2], ticks);
    else if (step === 4) w.event(0x37, [TASKS[(k >> 3) % 4]], ticks);
    else if (step === 5) w.event(0x60, [QUEUE, 10, 1], ticks);
    else if (step === 6 && k % 1000 === 6) w.printf(0, 'rx %u bytes, %d dBm', [k & 0xff, -60]);
    else w.event(0x30, [TASKS[(k + 1) % 4]], ticks);
  }
  return { head, cycle: w.bytes() };
}

function chunksOf(events: number): { chunks: Buffer[]; events: number; bytes: number } {
  const { head, cycle } = syntheticTrace();
  const cycles = Math.max(1, Math.round(events / CYCLE));
  const whole = Buffer.concat([head, ...new Array<Buffer>(cycles).fill(cycle)]);
  const chunks: Buffer[] = [];
  for (let at = 0; at < whole.length; at += CHUNK) chunks.push(whole.subarray(at, at + CHUNK));
  return { chunks, events: HEAD_EVENTS + cycles * CYCLE, bytes: whole.length };
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function main(): Promise<void> {
  const input = chunksOf(EVENTS);
  const batches: Batch[] = input.chunks.map((c, i) => bytesBatch('bench', c, i));
  const decoderRates: number[] = [];
  const operatorRates: number[] = [];
  const cpuPerEvent: number[] = [];
  const operatorCpuPerEvent: number[] = [];
  // One run of each first, not counted, so the JIT has settled before measuring.
  for (let r = -1; r < REPEATS; r++) {
    globalThis.gc?.();
    // The decoder alone.
    let t0 = performance.now();
    let c0 = cpuSeconds();
    const decoder = new PsfDecoder();
    let rows = 0;
    for (const chunk of input.chunks) for (const b of decoder.push(chunk).events) rows += b.length;
    for (const b of decoder.finish().events) rows += b.length;
    let seconds = (performance.now() - t0) / 1000;
    if (rows !== input.events || decoder.stats.dropped !== 0) throw new Error(`decoded ${rows} events (${decoder.stats.dropped} dropped), expected ${input.events}`);
    if (r >= 0) {
      decoderRates.push(rows / seconds);
      cpuPerEvent.push((cpuSeconds() - c0) / rows);
    }

    // The operator, as a pipeline runs it.
    globalThis.gc?.();
    t0 = performance.now();
    c0 = cpuSeconds();
    const { operator } = buildOperator(traceRecorder, {}, standaloneContext('bench'));
    const n = await lastValueFrom(from(batches).pipe(operator, reduce((sum, b) => sum + (b.kind === 'records' ? b.length : 0), 0)));
    seconds = (performance.now() - t0) / 1000;
    if (n !== input.events) throw new Error(`operator gave ${n} events, expected ${input.events}`);
    if (r >= 0) {
      operatorRates.push(n / seconds);
      operatorCpuPerEvent.push((cpuSeconds() - c0) / n);
    }
  }
  const perEvent = median(cpuPerEvent);
  const opPerEvent = median(operatorCpuPerEvent);
  report(
    'trace-recorder',
    [
      { case: 'PsfDecoder.push', events: input.events, mb: (input.bytes / 1e6).toFixed(1), events_per_s: Math.round(median(decoderRates)), events_per_cpu_s: Math.round(1 / perEvent), mb_per_s: ((median(decoderRates) * input.bytes) / input.events / 1e6).toFixed(1) },
      { case: 'trace_recorder operator', events: input.events, mb: (input.bytes / 1e6).toFixed(1), events_per_s: Math.round(median(operatorRates)), events_per_cpu_s: Math.round(1 / opPerEvent), mb_per_s: ((median(operatorRates) * input.bytes) / input.events / 1e6).toFixed(1) },
    ],
    [
      `goal: >= 5,000,000 events/s decoded`,
      `CPU per 100 k events/s of live trace: ${(opPerEvent * 1e5 * 100).toFixed(2)} % of one core through the operator (${(opPerEvent * 1e9).toFixed(0)} ns of CPU per event; decoder alone ${(perEvent * 1e9).toFixed(0)} ns)`,
      'events_per_s is wall-clock time, events_per_cpu_s the process CPU time (user + system): on a shared machine the second is the steadier figure',
      `median of ${REPEATS} runs, ${CHUNK / 1024} KiB chunks, ${(input.bytes / input.events).toFixed(1)} bytes per event`,
    ],
  );
}

await main();
