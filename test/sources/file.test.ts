import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type Observable, VirtualTimeScheduler } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Batch, bytesBatch } from '../../src/core/batch.js';
import { standaloneContext } from '../../src/core/standalone.js';
import { captureSink } from '../../src/sinks/capture.js';
import { fileSource } from '../../src/sources/file.js';
import { collectSource, concatBytes } from '../helpers/collect.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'file-source-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const context = () => standaloneContext('replay', { kind: 'source', type: 'file', dataDir: dir });

/**
 * Runs a source on a virtual clock: whenever it waits, the clock jumps to its next wake-up. File reads
 * are real I/O, so the loop lets them finish between jumps; bounded in turns, not in time.
 */
async function inVirtualTime(scheduler: VirtualTimeScheduler, source: Observable<Batch>, next: (batch: Batch) => void): Promise<void> {
  let done = false;
  let failure: unknown;
  source.subscribe({ next, complete: () => (done = true), error: (error) => ((failure = error), (done = true)) });
  for (let turn = 0; !done && turn < 100_000; turn++) {
    await yieldToLoop();
    scheduler.flush();
  }
  if (failure) throw failure;
  expect(done).toBe(true);
}

async function writeCapture(chunks: { data: Buffer; atNs: number }[]): Promise<string> {
  const sinkContext = standaloneContext('capture', { kind: 'sink', type: 'capture', dataDir: dir });
  const sink = await captureSink.create(captureSink.options.parse({ path: 'session.tpcap' }), sinkContext);
  for (const chunk of chunks) await sink.write(bytesBatch('dev', chunk.data, chunk.atNs));
  await sink.close();
  return 'session.tpcap';
}

describe('file source', () => {
  it('replays a raw dump byte for byte in chunks of chunk_size', async () => {
    const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251));
    writeFileSync(path.join(dir, 'dump.bin'), data);
    const { batches } = await collectSource(fileSource, { path: 'dump.bin', chunk_size: 4096 }, context());
    expect(batches.map((b) => (b.kind === 'bytes' ? b.data.length : -1))).toEqual([4096, 4096, 1808]);
    expect(concatBytes(batches).equals(data)).toBe(true);
  });

  it('replays what the capture sink wrote, merging chunks at speed: max', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => ({ data: Buffer.alloc(100, i), atNs: i * 1e6 }));
    const file = await writeCapture(chunks);
    const { batches } = await collectSource(fileSource, { path: file, chunk_size: 1000 }, context());
    expect(concatBytes(batches).equals(Buffer.concat(chunks.map((c) => c.data)))).toBe(true);
    expect(batches).toHaveLength(5);
  });

  it('replays a capture chunk by chunk at speed: realtime, in order, at the recorded times', async () => {
    const chunks = Array.from({ length: 5 }, (_, i) => ({ data: Buffer.from([i]), atNs: i * 20e6 }));
    const file = await writeCapture(chunks);
    const scheduler = new VirtualTimeScheduler();
    const ctx = standaloneContext('replay', { kind: 'source', type: 'file', dataDir: dir, scheduler });
    const seen: { byte: number; atMs: number }[] = [];
    await inVirtualTime(scheduler, fileSource.create(fileSource.options.parse({ path: file, speed: 'realtime' }), ctx), (b) => {
      if (b.kind === 'bytes') seen.push({ byte: b.data[0], atMs: scheduler.now() });
    });
    // Each chunk goes out at its recorded offset from the first: 0, 20, 40, 60, 80 ms.
    expect(seen).toEqual(chunks.map((c, i) => ({ byte: i, atMs: c.atNs / 1e6 })));
  });

  it('paces a raw dump at bytes_per_second in 10 ms slices, across loops', async () => {
    writeFileSync(path.join(dir, 'dump.bin'), Buffer.alloc(1000, 7));
    const scheduler = new VirtualTimeScheduler();
    const ctx = standaloneContext('replay', { kind: 'source', type: 'file', dataDir: dir, scheduler });
    const slices: { bytes: number; atMs: number }[] = [];
    await inVirtualTime(scheduler, fileSource.create(fileSource.options.parse({ path: 'dump.bin', speed: 'realtime', bytes_per_second: 20_000, loop: true }), ctx), (b) => {
      slices.push({ bytes: b.kind === 'bytes' ? b.data.length : 0, atMs: scheduler.now() });
      if (slices.length === 15) ctx.abort.abort();
    });
    // 200 bytes per 10 ms at 20 kB/s: slice n goes out at n x 10 ms, through the loop's restart at 1000 bytes.
    expect(slices).toEqual(Array.from({ length: 15 }, (_, n) => ({ bytes: 200, atMs: n * 10 })));
  });

  it('counts a chunk cut short by a crash and replays everything before it', async () => {
    const file = await writeCapture([{ data: Buffer.from('complete'), atNs: 0 }, { data: Buffer.from('cut-off-chunk'), atNs: 1 }]);
    const full = readFileSync(path.join(dir, file));
    writeFileSync(path.join(dir, file), full.subarray(0, full.length - 4));
    const { batches, context: ctx } = await collectSource(fileSource, { path: file }, context());
    expect(concatBytes(batches).toString()).toBe('complete');
    expect(ctx.metrics.errors.get('truncated_chunk')).toBe(1);
  });

  it('loops when asked, counting each pass', async () => {
    writeFileSync(path.join(dir, 'dump.bin'), Buffer.from('abc'));
    const ctx = context();
    const seen: string[] = [];
    await new Promise<void>((resolve) => {
      const sub = fileSource.create(fileSource.options.parse({ path: 'dump.bin', loop: true }), ctx).subscribe((b) => {
        if (b.kind === 'bytes') seen.push(b.data.toString());
        if (seen.length === 3) {
          ctx.abort.abort();
          sub.unsubscribe();
          resolve();
        }
      });
    });
    expect(seen).toEqual(['abc', 'abc', 'abc']);
    expect(ctx.metrics.counters.get('loops')).toBeGreaterThanOrEqual(2);
  });

  it('refuses paths outside the data directory and explains missing files and timing', async () => {
    expect(() => fileSource.create(fileSource.options.parse({ path: '../../etc/passwd' }), context())).toThrow(/outside the data directory/);
    await expect(collectSource(fileSource, { path: 'missing.bin' }, context())).rejects.toThrow(/cannot open .*missing\.bin: no such file/);
    writeFileSync(path.join(dir, 'dump.bin'), Buffer.from('abc'));
    await expect(collectSource(fileSource, { path: 'dump.bin', speed: 'realtime' }, context())).rejects.toThrow(/raw dump without timing; set bytes_per_second/);
  });

  it('stops reading while paused and goes on when resumed', async () => {
    writeFileSync(path.join(dir, 'dump.bin'), Buffer.alloc(64 * 1024 * 4));
    const ctx = context();
    ctx.flowSignal.hold();
    // The source waits for the resume itself: that call is the moment to look at what it sent.
    const waiting = new Promise<void>((resolve) => {
      const whenResumed = ctx.flowSignal.whenResumed.bind(ctx.flowSignal);
      ctx.flowSignal.whenResumed = () => {
        resolve();
        return whenResumed();
      };
    });
    const received: number[] = [];
    const done = new Promise<void>((resolve) => fileSource.create(fileSource.options.parse({ path: 'dump.bin' }), ctx).subscribe({ next: (b) => received.push(b.kind === 'bytes' ? b.data.length : 0), complete: resolve }));
    await waiting;
    expect(received).toEqual([]);
    ctx.flowSignal.release();
    await done;
    expect(received).toHaveLength(4);
  });
});
