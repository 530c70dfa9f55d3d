import net from 'node:net';
import { withTimeout } from '../../core/backoff.js';
import type { MetricsDeclaration } from '../../core/metrics.js';
import { checksum, decodePayload, encodePacket, GdbError, isStopReply } from './gdb-packets.js';

/** The protocol irregularities the client counts, as errors of the source that holds it. */
export const GDB_CLIENT_METRICS = {
  errors: { retransmit: 'events', checksum: 'events', notification: 'events', console_output: 'events', unsolicited_stop: 'events', unexpected_reply: 'events' },
} as const satisfies MetricsDeclaration;

/** What the client reports to the source's metrics. */
export interface GdbEvents {
  /** A protocol irregularity worth counting. */
  irregular(reason: keyof typeof GDB_CLIENT_METRICS.errors): void;
}

interface Waiter {
  /** Whether a stop reply answers this request (`?`, an interrupt); for others it is unsolicited. */
  readonly wantsStop: boolean;
  resolve(payload: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const INTERRUPT = Buffer.from([0x03]);
const ACK = Buffer.from('+');
const NAK = Buffer.from('-');
/** Reply packets beyond this are refused: a stub cannot make us buffer without bound. */
const MAX_PACKET_BYTES = 1 << 20;

/**
 * A GDB remote serial protocol client over TCP for reading and writing target memory. Replies come
 * back in request order, so requests may be pipelined: each one queues a waiter, and every packet
 * that arrives settles the oldest. Acks are sent and expected until the stub agrees to no-ack mode.
 * A reply that does not come within `timeoutMs` breaks the connection (order is lost after that).
 *
 * The client tracks whether the target runs: a stop reply that no request asked for (a breakpoint, a
 * fault, QEMU's stop when the connection opened) marks it stopped, so `interrupt` does not wait for a
 * reply that already came, and it never takes the place of another request's reply.
 */
export class GdbClient {
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiters: Waiter[] = [];
  private lastSent: Buffer | undefined;
  private failure: Error | undefined;
  noAck = false;
  running = false;
  /** Largest packet the stub takes (qSupported PacketSize), in bytes. */
  packetSize = 400;
  readonly features = new Map<string, string>();
  readonly closed: Promise<Error | undefined>;

  private constructor(
    private readonly socket: net.Socket,
    private readonly timeoutMs: number,
    private readonly events: GdbEvents,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.closed = new Promise((resolve) => {
      socket.on('error', (error) => (this.failure ??= error));
      socket.once('close', () => {
        const error = this.failure ?? new Error('the gdbserver closed the connection');
        for (const waiter of this.waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(error);
        }
        resolve(this.failure);
      });
    });
  }

  /** Connects within `connectTimeoutMs`; the handshake is `handshake()`. */
  static async connect(host: string, port: number, connectTimeoutMs: number, timeoutMs: number, events: GdbEvents): Promise<GdbClient> {
    const socket = net.connect({ host, port });
    const connected = new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    await withTimeout(connected, connectTimeoutMs, `connecting to gdbserver ${host}:${port}`, () => socket.destroy());
    socket.removeAllListeners('error');
    return new GdbClient(socket, timeoutMs, events);
  }

  /**
   * Learns the stub's packet size and features, turns acks off when the stub allows it, and asks
   * why the target stopped (connecting halts an all-stop target; `?` confirms it).
   */
  async handshake(): Promise<void> {
    this.socket.write(ACK);
    const supported = await this.request('qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+');
    for (const item of supported.split(';')) {
      const eq = item.indexOf('=');
      if (eq > 0) this.features.set(item.slice(0, eq), item.slice(eq + 1));
      else if (item.endsWith('+')) this.features.set(item.slice(0, -1), '+');
    }
    const size = parseInt(this.features.get('PacketSize') ?? '', 16);
    if (Number.isFinite(size) && size >= 64) this.packetSize = Math.min(size, MAX_PACKET_BYTES);
    if (this.features.get('QStartNoAckMode') === '+' && (await this.request('QStartNoAckMode')) === 'OK') this.noAck = true;
    const stop = await this.request('?');
    if (!isStopReply(stop)) throw new GdbError(`the gdbserver answered "?" with "${stop.slice(0, 40)}", not a stop reply`, stop);
    this.running = false;
  }

  /** Sends a packet and resolves with its reply. */
  request(payload: string): Promise<string> {
    const reply = this.expectReply(payload, payload === '?' || payload === 'vStopped');
    this.sendPacket(payload);
    return reply;
  }

  /** Sends a packet that has no reply of its own (`c`), marking the target running. */
  resume(payload = 'c'): void {
    this.sendPacket(payload);
    this.running = true;
  }

  /** Stops a running target (0x03) and resolves with the stop reply; at once if already stopped. */
  async interrupt(): Promise<void> {
    if (!this.running) return;
    const reply = this.expectReply('interrupt', true);
    this.socket.write(INTERRUPT);
    const stop = await reply;
    if (!isStopReply(stop)) throw new GdbError(`the target answered an interrupt with "${stop.slice(0, 40)}", not a stop reply`, stop);
    this.running = false;
  }

  /** Leaves the target running (`D`) and closes the connection. */
  async detach(): Promise<void> {
    try {
      if (this.running) await this.interrupt();
      await this.request('D');
    } finally {
      this.socket.end();
    }
  }

  destroy(error?: Error): void {
    if (error) this.failure ??= error;
    this.socket.destroy();
  }

  private expectReply(what: string, wantsStop: boolean): Promise<string> {
    if (this.socket.destroyed) return Promise.reject(this.failure ?? new Error('the gdbserver connection is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new GdbError(`no reply to ${what.slice(0, 24)} within ${this.timeoutMs} ms (timed out)`);
        this.destroy(error);
      }, this.timeoutMs);
      this.waiters.push({ wantsStop, resolve, reject, timer });
    });
  }

  private sendPacket(payload: string): void {
    const packet = encodePacket(payload);
    if (!this.noAck) this.lastSent = packet;
    this.socket.write(packet);
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let at = 0;
    const data = this.pending;
    while (at < data.length) {
      const b = data[at];
      if (b === 0x2b /* + */) {
        at++;
        continue;
      }
      if (b === 0x2d /* - */) {
        at++;
        this.events.irregular('retransmit');
        if (this.lastSent) this.socket.write(this.lastSent);
        continue;
      }
      if (b !== 0x24 /* $ */ && b !== 0x25 /* % notification */) {
        at++; // noise between packets
        continue;
      }
      const hash = data.indexOf(0x23, at + 1);
      if (hash < 0 || hash + 2 >= data.length) {
        if (data.length - at > MAX_PACKET_BYTES) this.destroy(new GdbError(`a packet from the gdbserver exceeds ${MAX_PACKET_BYTES} bytes`));
        break;
      }
      const sum = parseInt(data.toString('latin1', hash + 1, hash + 3), 16);
      const body = data.subarray(at + 1, hash);
      at = hash + 3;
      if (!this.noAck) {
        if (sum !== checksum(body)) {
          this.events.irregular('checksum');
          this.socket.write(NAK);
          continue;
        }
        this.socket.write(ACK);
      }
      if (b === 0x25) {
        // A non-stop stub reports stops as notifications; each is acknowledged with vStopped.
        this.events.irregular('notification');
        this.request('vStopped').catch(() => undefined);
        continue;
      }
      this.dispatch(decodePayload(body).toString('latin1'));
    }
    this.pending = at >= data.length ? Buffer.alloc(0) : data.subarray(at);
  }

  private dispatch(payload: string): void {
    // Console output while the target runs ("O" + hex; "OK" is a reply).
    if (payload.length > 1 && payload[0] === 'O' && payload !== 'OK' && /^O[0-9a-fA-F]+$/.test(payload)) {
      this.events.irregular('console_output');
      return;
    }
    // A stop reply nobody asked for: the target stopped by itself (a breakpoint, a fault), or QEMU
    // reports the stop it made when this connection opened while the guest ran.
    if (isStopReply(payload) && !this.waiters[0]?.wantsStop) {
      this.running = false;
      this.events.irregular('unsolicited_stop');
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.events.irregular('unexpected_reply');
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(payload);
  }
}
