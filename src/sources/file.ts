import { open, type FileHandle } from 'node:fs/promises';
import { PipelineFileMistake } from '../core/pipeline-file-mistake.js';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { rx } from '../core/rx.js';
import { z } from 'zod';
import { type Batch, bytesBatch } from '../core/batch.js';
import { CHUNK_HEADER_BYTES, decodeCaptureHeader, isCapture } from '../core/capture-format.js';
import { defineSource, type ComponentContext } from '../core/component.js';
import { byteSizeOption } from '../core/options.js';
import { confinePath } from '../core/paths.js';
import { sleep } from '../core/sleep.js';

const options = z.strictObject({
  path: z.string().min(1).meta({ description: 'File to replay, below the data directory: a raw byte dump or a capture written by the capture sink.', examples: ['captures/node.tpcap'] }),
  speed: z
    .enum(['max', 'realtime'])
    .default('max')
    .meta({ description: 'max reads as fast as the pipeline takes it; realtime replays a capture at its recorded pace (a raw dump needs bytes_per_second).', examples: ['realtime'] }),
  loop: z.boolean().default(false).meta({ description: 'Start again from the beginning at the end of the file.', examples: [true] }),
  chunk_size: byteSizeOption().default(64 * 1024).meta({ description: 'Bytes per batch when reading at speed: max (capture chunks are merged up to this size).', examples: ['64KiB'] }),
  bytes_per_second: z.number().positive().optional().meta({ description: 'Pace of a raw dump at speed: realtime (captures carry their own timing).', examples: [850000] }),
});

type Options = z.output<typeof options>;
type Emit = (data: Buffer) => void;

/** Replays a byte file: raw dumps or timed captures; stops reading while paused by backpressure. */
export const fileSource = defineSource({
  type: 'file',
  metrics: { errors: { truncated_chunk: 'events' }, counters: { loops: 'events' } },
  summary: 'Replays a raw byte dump or a timed capture file, at full speed or at the recorded pace.',
  options,
  output: 'bytes',
  create(o, context) {
    const file = confinePath(context.dataDir, o.path, 'path');
    return new (rx().Observable<Batch>)((subscriber) => {
      let handle: FileHandle | undefined;
      let stopped = false;
      const emit: Emit = (data) => subscriber.next(bytesBatch(context.id, data, context.clock.nowNs()));
      const stop = () => {
        stopped = true;
        subscriber.complete();
      };
      context.signal.addEventListener('abort', stop, { once: true });
      (async () => {
        try {
          handle = await open(file, 'r');
        } catch (error) {
          // A file that is not there is the pipeline file's mistake (its `path`), not a failing device.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PipelineFileMistake(`cannot open ${file}: no such file (the source's path)`);
          throw new Error(`cannot open ${file}: ${(error as Error).message}`);
        }
        const head = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        const capture = isCapture(head.subarray(0, bytesRead));
        if (o.speed === 'realtime' && !capture && !o.bytes_per_second) {
          throw new Error(`${o.path} is a raw dump without timing; set bytes_per_second for speed: realtime, or replay a capture file`);
        }
        // Pacing runs across loops, so a looped replay keeps the configured rate.
        const pace: Pace = { startMs: context.scheduler.now(), sent: 0 };
        do {
          if (capture) await replayCapture(handle, decodeCaptureHeader(head.subarray(0, bytesRead)).dataOffset, o, context, emit, () => stopped);
          else await replayRaw(handle, o, context, emit, () => stopped, pace);
          if (o.loop && !stopped) context.metrics.count('loops');
        } while (o.loop && !stopped);
        if (!stopped) stop();
      })().catch((error) => {
        if (!stopped) subscriber.error(error);
      });
      return () => {
        stopped = true;
        context.signal.removeEventListener('abort', stop);
        void handle?.close().catch(() => undefined);
      };
    });
  },
  dataPaths: ['path'],
  examples: [{ title: 'Replays a capture at its recorded pace', yaml: `
sources: { replay: { type: file, path: captures/node.tpcap, speed: realtime } }
transforms:
  frames: { inputs: [replay], steps: [ { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } } ] }
sinks: { console: { type: stdout, inputs: [frames], format: summary } }
` }],
});

interface Pace {
  startMs: number;
  sent: number;
}

/** Realtime reads of a raw dump are 10 ms worth of bytes, so the rate holds at small time scales too. */
const REALTIME_SLICE_S = 0.01;

async function replayRaw(handle: FileHandle, o: Options, context: ComponentContext, emit: Emit, stopped: () => boolean, pace: Pace): Promise<void> {
  const paced = o.speed === 'realtime' && o.bytes_per_second !== undefined;
  const size = paced ? Math.max(1, Math.min(o.chunk_size, Math.round(o.bytes_per_second! * REALTIME_SLICE_S))) : o.chunk_size;
  for (let position = 0; !stopped(); ) {
    if (context.flow.paused) await context.flow.whenResumed();
    const chunk = Buffer.allocUnsafe(size);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0 || stopped()) return;
    position += bytesRead;
    if (paced) {
      const dueMs = (pace.sent / o.bytes_per_second!) * 1000 - (context.scheduler.now() - pace.startMs);
      if (dueMs > 1) await sleep(dueMs, { signal: context.signal, scheduler: context.scheduler });
    }
    pace.sent += bytesRead;
    emit(chunk.subarray(0, bytesRead));
    await yieldToLoop();
  }
}

/** Reads the capture's chunks in blocks; emits each (realtime) or merges them up to chunk_size (max). */
async function replayCapture(handle: FileHandle, dataOffset: number, o: Options, context: ComponentContext, emit: Emit, stopped: () => boolean): Promise<void> {
  const block = Buffer.allocUnsafe(Math.max(o.chunk_size, 1024 * 1024));
  let carry = Buffer.alloc(0);
  let position = dataOffset;
  let firstTime: number | undefined;
  const startMs = context.scheduler.now();
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pendingBytes === 0) return;
    emit(pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes));
    pending.length = 0;
    pendingBytes = 0;
  };
  while (!stopped()) {
    if (context.flow.paused) await context.flow.whenResumed();
    const { bytesRead } = await handle.read(block, 0, block.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data = carry.length > 0 ? Buffer.concat([carry, block.subarray(0, bytesRead)]) : Buffer.from(block.subarray(0, bytesRead));
    let at = 0;
    while (at + CHUNK_HEADER_BYTES <= data.length) {
      const time = data.readDoubleLE(at);
      const length = data.readUInt32LE(at + 8);
      if (at + CHUNK_HEADER_BYTES + length > data.length) break;
      const bytes = data.subarray(at + CHUNK_HEADER_BYTES, at + CHUNK_HEADER_BYTES + length);
      at += CHUNK_HEADER_BYTES + length;
      if (o.speed === 'realtime') {
        firstTime ??= time;
        const dueMs = (time - firstTime) / 1e6 - (context.scheduler.now() - startMs);
        if (dueMs > 1) await sleep(dueMs, { signal: context.signal, scheduler: context.scheduler });
        if (stopped()) return;
        emit(bytes);
      } else {
        pending.push(bytes);
        pendingBytes += bytes.length;
        if (pendingBytes >= o.chunk_size) flush();
      }
    }
    carry = data.subarray(at);
    flush();
    await yieldToLoop();
  }
  flush();
  if (carry.length > 0) {
    context.metrics.error('truncated_chunk', 1);
    context.log.warn({ bytes: carry.length }, 'capture ends in an incomplete chunk (the writer was stopped mid-write); it was skipped');
  }
}

