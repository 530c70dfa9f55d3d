import { rx } from '../../core/rx.js';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { z } from 'zod';
import { type Batch, bytesBatch } from '../../core/batch.js';
import { defineSource, type ComponentContext } from '../../core/component.js';
import { duration } from '../../core/options.js';
import { sleep } from '../../core/sleep.js';
import type { SimDevice } from './device.js';
import { FrameGenerator } from './generator.js';
import { createHarvester } from './harvester.js';
import { createLogDevice } from './log-device.js';
import { Prng } from './prng.js';
import { createTaskDevice } from './tasks.js';

const rate = (description: string) => z.number().min(0).max(1).default(0).meta({ description, examples: [0.001] });

const options = z.strictObject({
  device: z
    .enum(['harvester', 'tasks', 'log'])
    .default('harvester')
    .meta({ description: 'What to simulate: an energy-harvesting node (V/I samples), an RTOS task-switch trace, or firmware log text.', examples: ['harvester'] }),
  rate: z
    .enum(['realtime', 'max'])
    .default('realtime')
    .meta({ description: 'realtime paces frames at the device rate (4,000 frames/s for the harvester); max produces as fast as the pipeline takes them.', examples: ['max'] }),
  seed: z.number().int().default(1).meta({ description: 'Seed of the data and fault generator; the same seed gives the same bytes.', examples: [42] }),
  emit: z
    .enum(['bytes', 'records'])
    .default('bytes')
    .meta({ description: 'bytes: the reference protocol byte stream (frame it, check the CRC, decode it); records: decoded sample columns directly (harvester only), for benchmarks and demos without framing.', examples: ['bytes'] }),
  sample_rate_hz: z.number().positive().default(100_000).meta({ description: 'Harvester sampling rate.', examples: [100000] }),
  samples_per_frame: z.number().int().min(1).max(8000).default(25).meta({ description: 'Harvester samples per frame (8 bytes each).', examples: [25] }),
  batch_frames: z.number().int().min(1).max(65536).default(256).meta({ description: 'Frames per batch at rate: max (at realtime, a batch holds the frames due since the last tick).', examples: [256] }),
  tick: duration().default(10).meta({ description: 'Pacing interval at rate: realtime.', examples: ['10ms'] }),
  frames: z.number().int().min(0).default(0).meta({ description: 'Stop after this many frames (0: run until the pipeline stops).', examples: [40000] }),
  start_ticks: z.number().int().min(0).max(0xffffffff).default(0).meta({ description: 'Initial value of the u32 1 MHz device timer; set near 4294967295 to see it wrap early.', examples: [4294000000] }),
  start_seq: z.number().int().min(0).max(0xffff).default(0).meta({ description: 'Initial u16 frame sequence number.', examples: [65000] }),
  faults: z
    .strictObject({
      bit_flip: rate('Probability per frame of one flipped payload bit (a CRC failure).'),
      drop: rate('Probability per frame that it is never sent (a seq gap).'),
      garbage: rate('Probability per frame of 1-32 random bytes before it (resync bytes).'),
      truncate: rate('Probability per frame that it is cut short (resync bytes).'),
      reset: rate('Probability per frame of a device reset: seq and ticks restart at 0.'),
      stall: rate('Probability per frame of the device going silent for stall_duration.'),
      stall_duration: duration().default(500).meta({ description: 'How long a stall lasts.', examples: ['500ms'] }),
    })
    .default({ bit_flip: 0, drop: 0, garbage: 0, truncate: 0, reset: 0, stall: 0, stall_duration: 500 })
    .meta({ description: 'Fault injection, each a probability per frame. Every injected fault is counted (injected_* metrics).', examples: [{ bit_flip: 0.001, garbage: 0.001 }] }),
});

type Options = z.output<typeof options>;

/**
 * The built-in device simulator: speaks the reference protocol, deterministic for a seed, with fault
 * injection; the default source so every pipeline runs without hardware.
 */
export const simulatorSource = defineSource({
  type: 'simulator',
  metrics: { counters: { frames_sent: 'frames', injected_drops: 'frames', injected_bit_flips: 'events', injected_truncations: 'frames', injected_truncated_bytes: 'bytes', injected_stalls: 'events', injected_resets: 'events', injected_garbage_bytes: 'bytes' } },
  summary: 'Simulated device speaking the reference protocol: harvester samples, RTOS task switches or log text, with fault injection.',
  options,
  output: (o: Options) => (o.emit === 'records' ? 'records' : 'bytes'),
  create(o, context) {
    if (o.emit === 'records' && o.device !== 'harvester') throw new Error(`emit: records is only available for device: harvester (got device: ${o.device})`);
    return new (rx().Observable<Batch>)((subscriber) => {
      const prng = new Prng(o.seed);
      const device = makeDevice(o, prng);
      const generator = new FrameGenerator(device, prng, o.faults, context.metrics, { seq: o.start_seq, ticks: o.start_ticks });
      let stopped = false;
      const stop = () => {
        stopped = true;
        subscriber.complete();
      };
      const produce = (frames: number): boolean => {
        const limit = o.frames > 0 ? Math.min(frames, o.frames - generator.produced) : frames;
        if (limit <= 0) {
          stop();
          return false;
        }
        if (o.emit === 'records') {
          const batch = generator.nextRecords(limit, context.id, context.clock.nowNs());
          if (batch.length > 0) subscriber.next(batch);
          return false;
        }
        const { data, stall } = generator.nextBytes(limit);
        if (data.length > 0) subscriber.next(bytesBatch(context.id, data, context.clock.nowNs()));
        return stall;
      };
      if (context.signal.aborted) stop();
      else context.signal.addEventListener('abort', stop, { once: true });
      const loop = o.rate === 'max' ? runAtMaxRate : runInRealTime;
      loop(o, device, context, produce, () => stopped).catch((error) => subscriber.error(error));
      return () => {
        stopped = true;
        context.signal.removeEventListener('abort', stop);
      };
    });
  },
  examples: [{ title: 'Harvester node with injected bit flips and line noise, framed and CRC-checked', yaml: `
sources: { node: { type: simulator, device: harvester, seed: 7, faults: { bit_flip: 0.001, garbage: 0.001 } } }
transforms:
  frames: { inputs: [node], steps: [ { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }, { type: crc, algorithm: CRC-16/IBM-3740, over: [1, -3], value: { offset: -3, type: u16le } } ] }
sinks: { console: { type: stdout, inputs: [frames], format: summary, every: 1s } }
` }],
});

function makeDevice(o: Options, prng: Prng): SimDevice {
  if (o.device === 'tasks') return createTaskDevice();
  if (o.device === 'log') return createLogDevice(prng);
  return createHarvester({ sampleRateHz: o.sample_rate_hz, samplesPerFrame: o.samples_per_frame }, prng);
}

type Produce = (frames: number) => boolean;

/** As fast as the pipeline takes them: a batch, then a turn of the event loop so I/O and sinks run. */
async function runAtMaxRate(o: Options, _device: SimDevice, context: ComponentContext, produce: Produce, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    if (context.flow.paused) await context.flow.whenResumed();
    if (stopped()) break;
    if (produce(o.batch_frames)) await sleep(o.faults.stall_duration, { signal: context.signal });
    await yieldToLoop();
  }
}

/**
 * At the device's rate: each tick sends the frames due since the start, so timer jitter never changes
 * the data rate. While paused or stalled, frames are held (a device with flow control buffers them)
 * and go out as a burst afterwards.
 */
async function runInRealTime(o: Options, device: SimDevice, context: ComponentContext, produce: Produce, stopped: () => boolean): Promise<void> {
  const startMs = context.scheduler.now();
  let sent = 0;
  while (!stopped()) {
    await sleep(o.tick, { signal: context.signal, scheduler: context.scheduler });
    if (context.flow.paused) await context.flow.whenResumed();
    if (stopped()) break;
    const due = Math.floor(((context.scheduler.now() - startMs) / 1000) * device.frameRate) - sent;
    for (let left = due; left > 0 && !stopped(); ) {
      const n = Math.min(left, o.batch_frames);
      const stall = produce(n);
      sent += n;
      left -= n;
      if (stall) await sleep(o.faults.stall_duration, { signal: context.signal, scheduler: context.scheduler });
      // A backlog (after a pause, or more devices than the CPU keeps up with) goes out batch by
      // batch with the event loop in between, so sinks drain and a stop request is seen.
      else if (left > 0) await yieldToLoop();
      if (context.flow.paused) await context.flow.whenResumed();
    }
  }
}

