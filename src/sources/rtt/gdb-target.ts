import type { GdbClient } from './gdb-client.js';
import { GdbError, hexToBytes } from './gdb-packets.js';

/** How the source gets at memory: halt the core for each poll, or read while it runs. */
export type HaltPolicy = 'auto' | 'always' | 'never';

/** Target memory as the RTT code sees it, valid inside `access`. */
export interface Memory {
  read(address: number, length: number): Promise<Buffer>;
  /** Queues a write; the returned promise settles with the stub's answer (await it or not). */
  write(address: number, data: Buffer): Promise<void>;
}

/** QEMU refuses `m` longer than 2048 bytes (E22) whatever its packet size; other stubs are alike or larger. */
const MAX_READ_CHUNK = 2048;

/**
 * Memory access through a GDB stub with the halt policy applied. An all-stop stub (QEMU, OpenOCD,
 * J-Link GDB Server, pyOCD, probe-rs) must never be sent a packet while the core runs, so with
 * `always` (and `auto` on such stubs) every access interrupts the core, waits for the stop reply,
 * reads and writes, and continues it; the time between interrupt and continue is the halted time
 * this returns. `never` (and `auto` on a stub that offers non-stop mode) reads while the core runs.
 */
export class GdbMemory implements Memory {
  private halting = true;
  private readonly readChunk: number;
  private readonly writeChunk: number;

  constructor(
    private readonly client: GdbClient,
    private readonly policy: HaltPolicy,
  ) {
    // A reply carries 2 hex digits per byte plus 4 bytes of framing; a write also carries its header.
    this.readChunk = Math.max(16, Math.min(MAX_READ_CHUNK, Math.floor((client.packetSize - 8) / 2)));
    this.writeChunk = Math.max(16, Math.floor((client.packetSize - 32) / 2));
  }

  /** After the handshake: picks halting or not and leaves the target running. */
  async start(): Promise<void> {
    if (this.policy === 'never') this.halting = false;
    else if (this.policy === 'auto' && this.client.features.get('QNonStop') === '+') {
      this.halting = (await this.client.request('QNonStop:1')) !== 'OK';
    }
    if (this.halting) this.client.resume('c');
    else {
      const reply = this.client.features.get('QNonStop') === '+' ? await this.client.request('vCont;c') : (this.client.resume('c'), 'OK');
      if (reply !== 'OK') throw new GdbError(`the gdbserver refused to resume the target in non-stop mode: ${reply}`, reply);
    }
  }

  get halts(): boolean {
    return this.halting;
  }

  /** Runs `work` with memory accessible; resolves with its result and the nanoseconds the core was halted. */
  async access<T>(work: (memory: Memory) => Promise<T>): Promise<{ result: T; haltedNs: number }> {
    if (!this.halting) return { result: await work(this), haltedNs: 0 };
    const start = process.hrtime.bigint();
    await this.client.interrupt();
    let result: T;
    try {
      result = await work(this);
    } finally {
      if (!this.client.running) this.client.resume('c');
    }
    return { result, haltedNs: Number(process.hrtime.bigint() - start) };
  }

  /** Reads in chunks the stub accepts, all requests sent at once and the replies joined in order. */
  async read(address: number, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    const parts: Promise<Buffer>[] = [];
    for (let at = 0; at < length; at += this.readChunk) {
      const n = Math.min(this.readChunk, length - at);
      const where = address + at;
      parts.push(this.client.request(`m${where.toString(16)},${n.toString(16)}`).then((reply) => checkLength(hexToBytes(reply, `reading ${n} bytes at 0x${where.toString(16)}`), n, where)));
    }
    const chunks = await Promise.all(parts);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  write(address: number, data: Buffer): Promise<void> {
    const parts: Promise<void>[] = [];
    for (let at = 0; at < data.length; at += this.writeChunk) {
      const piece = data.subarray(at, at + this.writeChunk);
      const where = address + at;
      parts.push(
        this.client.request(`M${where.toString(16)},${piece.length.toString(16)}:${piece.toString('hex')}`).then((reply) => {
          if (reply !== 'OK') throw new GdbError(`writing ${piece.length} bytes at 0x${where.toString(16)}: the stub answered ${reply || '(empty: not supported)'}`, reply);
        }),
      );
    }
    return Promise.all(parts).then(() => undefined);
  }
}

function checkLength(bytes: Buffer, expected: number, address: number): Buffer {
  if (bytes.length !== expected) throw new GdbError(`reading ${expected} bytes at 0x${address.toString(16)}: the stub returned ${bytes.length}`);
  return bytes;
}
