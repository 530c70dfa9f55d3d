import { execFileSync } from 'node:child_process';
import net from 'node:net';

/**
 * A bare GDB remote protocol exchange for test setup and checks, written apart from the rtt
 * source's client: one request at a time, acks always on, checksums computed here.
 */
export class RawGdb {
  private buffer = '';
  private waiting: ((packet: string) => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    // Without it a resume and the interrupt after it can reach the stub in one segment.
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('latin1');
      this.drain();
    });
  }

  static async connect(port: number): Promise<RawGdb> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const gdb = new RawGdb(socket);
    await gdb.request('?'); // the connection halted the core; this is its stop reply
    return gdb;
  }

  request(payload: string): Promise<string> {
    const reply = this.next();
    let sum = 0;
    for (const c of Buffer.from(payload, 'latin1')) sum = (sum + c) & 0xff;
    this.socket.write(`$${payload}#${sum.toString(16).padStart(2, '0')}`);
    return reply;
  }

  async read(address: number, length: number): Promise<Buffer> {
    return Buffer.from(await this.request(`m${address.toString(16)},${length.toString(16)}`), 'hex');
  }

  async write(address: number, data: Buffer): Promise<void> {
    const reply = await this.request(`M${address.toString(16)},${data.length.toString(16)}:${data.toString('hex')}`);
    if (reply !== 'OK') throw new Error(`write at 0x${address.toString(16)}: ${reply}`);
  }

  async writeU32(address: number, value: number): Promise<void> {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0);
    await this.write(address, b);
  }

  /** Lets the core run (no reply until it stops). */
  resume(): void {
    this.socket.write('$c#63');
  }

  async halt(): Promise<void> {
    const stop = this.next();
    this.socket.write(Buffer.from([0x03]));
    await stop;
  }

  /** Detaches (the core runs on) and closes; resolves once QEMU has closed its side too. */
  async detach(): Promise<void> {
    await this.request('D');
    const closed = new Promise((resolve) => this.socket.once('close', resolve));
    this.socket.end();
    await closed;
  }

  private next(): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.drain();
    });
  }

  private drain(): void {
    const match = /\$([^#]*)#[0-9a-fA-F]{2}/.exec(this.buffer);
    if (!match || !this.waiting) return;
    this.buffer = this.buffer.slice(match.index + match[0].length);
    this.socket.write('+');
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve(match[1]);
  }
}

/** A symbol's address from the ELF, by the toolchain's own nm. */
export function symbolAddress(elf: string, symbol: string): number {
  const line = execFileSync('arm-none-eabi-nm', [elf], { encoding: 'utf8' }).split('\n').find((l) => l.endsWith(` ${symbol}`));
  if (!line) throw new Error(`${symbol} not in ${elf}`);
  return parseInt(line.split(' ')[0], 16);
}

/** Lets the firmware boot until its RTT control block holds the ID (halted again afterwards). */
export async function waitForControlBlock(gdb: RawGdb, address: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await gdb.read(address, 10)).toString('latin1') === 'SEGGER RTT') return;
    gdb.resume();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await gdb.halt();
  }
  throw new Error('the firmware did not set up its RTT control block');
}
