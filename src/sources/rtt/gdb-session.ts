import { setImmediate as yieldToIo } from 'node:timers/promises';
import { bytesBatch, type Batch } from '../../core/batch.js';
import { sleep } from '../../core/sleep.js';
import type { ComponentContext } from '../../core/component.js';
import { parseListen } from '../../core/options.js';
import type { Session } from '../../core/reconnect.js';
import { available, type ControlBlock, type Descriptor, FLAGS, freeSpace, hexAddress, MODE_MASK, MODES, parseControlBlock, RD_OFF, usableChannel, WR_OFF } from './control-block.js';
import type { DownQueue } from './down-queue.js';
import { GdbClient } from './gdb-client.js';
import { GdbMemory, type Memory } from './gdb-target.js';
import { blockAddress, channelIndex, locateBlock, readName } from './locate.js';
import type { RttOptions } from './options.js';
import { PollPacer } from './pacing.js';

/** The channels in use on the block found at attach. */
interface Attachment {
  readonly block: ControlBlock;
  readonly up: Descriptor;
  readonly down: Descriptor | undefined;
  /** Flags of the up channel before the source changed them, restored at stop. */
  readonly originalFlags: number;
  /** RdOff as the source last wrote it; anything else means the block was set up again. */
  lastRd: number;
  /** Bytes the last poll read: the next poll reads that much ahead together with the block. */
  lastRead: number;
}

const u32 = (value: number) => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(value >>> 0);
  return b;
};

/**
 * One connection to a gdbserver: handshake, find and validate the control block (re-scanning while
 * the firmware has not set it up, with the core running), set the channel mode, then poll. Each poll
 * reads the whole control block once (so a reset or new firmware is noticed), the readable bytes in
 * one or two pipelined reads, and writes RdOff and any pending down-channel bytes; the core is
 * halted only for that (see GdbMemory). At close the mode is restored and the stub detached, which
 * leaves the target running.
 */
export async function openGdbSession(options: RttOptions, context: ComponentContext, emit: (batch: Batch) => void, downQueue: DownQueue, signal: AbortSignal): Promise<Session> {
  const { metrics, log } = context;
  const { host, port } = parseListen(options.address);
  const client = await GdbClient.connect(host, port, options.connect_timeout, options.timeout, { irregular: (reason) => metrics.error(reason) });
  const closing = new AbortController();
  // The pipeline's stop also ends a search for a block that never appears.
  signal.addEventListener('abort', () => closing.abort(), { once: true });
  let memory: GdbMemory;
  let attachment: Attachment;
  try {
    await client.handshake();
    memory = new GdbMemory(client, options.halt);
    await memory.start();
    attachment = await attach(true);
  } catch (error) {
    client.destroy();
    throw error;
  }
  log.info({ block: hexAddress(attachment.block.address), channel: attachment.up.index, halting: memory.halts, packet_size: client.packetSize }, `rtt: control block at ${hexAddress(attachment.block.address)}, reading up channel ${attachment.up.index} (${attachment.up.size} bytes)`);

  /** Runs `work` with memory accessible and counts the halted time. */
  async function access<T>(work: (m: Memory) => Promise<T>): Promise<T> {
    const { result, haltedNs } = await memory.access(work);
    metrics.count('halted_ns', haltedNs);
    metrics.gauge('halted_us', Math.round(haltedNs / 1000));
    return result;
  }

  /** Finds the block (waiting for the firmware to set it up), picks the channels and applies `mode`. */
  async function attach(first: boolean): Promise<Attachment> {
    let scans = 0;
    for (;;) {
      if (closing.signal.aborted) throw new Error('closed while looking for the control block');
      const address = await blockAddress(options.control_block!, context.dataDir);
      const block = await access((m) => locateBlock(m, options.control_block!, address));
      if (scans++ > 0 || !first) metrics.count('rescans');
      if (block !== undefined) return access((m) => useBlock(m, block));
      if (scans === 1) log.info(`rtt: no control block yet; searching again every ${options.poll.max} ms while the target runs`);
      await sleep(Math.max(1, options.poll.max), { signal: closing.signal, scheduler: context.scheduler });
    }
  }

  async function useBlock(m: Memory, block: ControlBlock): Promise<Attachment> {
    const names = (ref: number | string, list: readonly Descriptor[]) => (typeof ref === 'number' ? Promise.resolve([]) : Promise.all(list.map((d) => readName(m, d.nameAddress))));
    const upIndex = channelIndex(options.channel, await names(options.channel, block.up), 'up', block);
    const up = usableChannel(block, 'up', upIndex);
    let down: Descriptor | undefined;
    if (options.write !== undefined) down = usableChannel(block, 'down', channelIndex(options.write.channel, await names(options.write.channel, block.down), 'down', block));
    if (options.mode !== 'leave') {
      const flags = ((up.flags & ~MODE_MASK) | MODES[options.mode]) >>> 0;
      if (flags !== up.flags) await m.write(up.address + FLAGS, u32(flags));
    }
    if (options.write?.on_connect !== undefined) downQueue.push(options.write.on_connect);
    return { block, up, down, originalFlags: up.flags, lastRd: up.rdOff, lastRead: 0 };
  }

  /**
   * One poll inside a halted window. Its writes are awaited before the core resumes: in ack mode the
   * client acknowledges each reply, and on an all-stop stub (QEMU) any byte that arrives while the
   * core runs stops it silently. The bytes after RdOff are read together with the block, as many as the last poll got, so a
   * steady stream costs one round trip for block and data instead of two.
   */
  async function poll(m: Memory, a: Attachment): Promise<{ data?: Buffer; changed?: string }> {
    const ahead = Math.min(a.lastRead, a.up.size - a.lastRd);
    const early = ahead > 0 ? m.read(a.up.buffer + a.lastRd, ahead) : undefined;
    let now: ControlBlock;
    try {
      now = parseControlBlock(a.block.address, await m.read(a.block.address, a.block.bytes));
    } catch (error) {
      await early?.catch(() => undefined);
      return { changed: (error as Error).message };
    }
    const speculative = early === undefined ? undefined : await early;
    const up = now.up[a.up.index];
    if (now.bytes !== a.block.bytes || up.buffer !== a.up.buffer || up.size !== a.up.size) return { changed: `up channel ${a.up.index} descriptor changed` };
    if (up.rdOff !== a.lastRd) return { changed: `RdOff is ${up.rdOff}, not ${a.lastRd} as last written (target reset, or another RTT host reads this channel)` };
    const writes: Promise<unknown>[] = [];
    const n = available(up);
    let data: Buffer | undefined;
    if (n > 0) {
      const first = Math.min(n, up.size - up.rdOff);
      const have = Math.min(first, speculative?.length ?? 0);
      const parts: Promise<Buffer>[] = [];
      if (have > 0) parts.push(Promise.resolve(speculative!.subarray(0, have)));
      if (first > have) parts.push(m.read(up.buffer + up.rdOff + have, first - have));
      if (n > first) parts.push(m.read(up.buffer, n - first));
      const chunks = await Promise.all(parts);
      data = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      a.lastRd = (up.rdOff + n) % up.size;
      writes.push(m.write(a.up.address + RD_OFF, u32(a.lastRd)));
    }
    a.lastRead = n;
    if (a.down !== undefined && downQueue.size > 0) {
      const down = now.down[a.down.index];
      const bytes = downQueue.take(freeSpace(down));
      if (bytes.length > 0) {
        const first = Math.min(bytes.length, down.size - down.wrOff);
        writes.push(m.write(down.buffer + down.wrOff, bytes.subarray(0, first)));
        if (bytes.length > first) writes.push(m.write(down.buffer, bytes.subarray(first)));
        writes.push(m.write(a.down.address + WR_OFF, u32((down.wrOff + bytes.length) % down.size)));
        metrics.count('written_bytes', bytes.length);
      }
    }
    await Promise.all(writes);
    return { data };
  }

  async function run(): Promise<Error | undefined> {
    const pacer = new PollPacer(options.poll.min, options.poll.max);
    while (!closing.signal.aborted) {
      if (context.flow.paused) {
        // Backpressure: no polls; the firmware's buffer mode decides what happens meanwhile.
        metrics.count('paused_polling');
        await Promise.race([context.flow.whenResumed(), new Promise((resolve) => closing.signal.addEventListener('abort', resolve, { once: true }))]);
        continue;
      }
      const a = attachment;
      const result = await access((m) => poll(m, a));
      metrics.count('polls');
      if (result.changed !== undefined) {
        log.warn({ reason: result.changed }, `rtt: control block at ${hexAddress(a.block.address)} changed (${result.changed}); searching again`);
        metrics.count('block_changes');
        attachment = await attach(false);
        pacer.reset();
        continue;
      }
      if (result.data !== undefined) {
        metrics.count('bytes', result.data.length);
        emit(bytesBatch(context.id, result.data, context.clock.nowNs()));
      }
      const delay = pacer.next(result.data?.length ?? 0, a.up.size);
      if (delay >= 1) await sleep(delay, { signal: closing.signal, scheduler: context.scheduler });
      else await yieldToIo();
    }
    return undefined;
  }

  const ended = run().then(
    (reason) => reason,
    (error: Error) => (closing.signal.aborted ? undefined : error),
  );
  const finished = ended.then(async (reason) => {
    if (reason !== undefined) {
      client.destroy();
      return reason;
    }
    // A clean stop: give the channel its mode back and leave the target running.
    try {
      if (options.mode !== 'leave') await access((m) => m.write(attachment.up.address + FLAGS, u32(attachment.originalFlags)));
      await client.detach();
    } catch (error) {
      log.warn(`rtt: could not restore the channel mode at stop: ${(error as Error).message}`);
      client.destroy();
    }
    return undefined;
  });
  return {
    ended: finished,
    close: () => closing.abort(),
  };
}
