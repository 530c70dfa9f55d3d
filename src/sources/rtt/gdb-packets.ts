/**
 * GDB remote serial protocol framing: `$payload#cs`, where cs is the byte sum of the payload modulo
 * 256 in two hex digits; `}` escapes the next byte (xor 0x20) and `*` repeats the previous byte
 * (count = next byte - 29). Both are part of the checksummed payload.
 */

const DOLLAR = 0x24;
const HASH = 0x23;
const ESCAPE = 0x7d;
const REPEAT = 0x2a;

export function checksum(data: Buffer, start = 0, end = data.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += data[i];
  return sum & 0xff;
}

/** Frames `payload` as a packet, escaping the bytes the protocol reserves. */
export function encodePacket(payload: string | Buffer): Buffer {
  const raw = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
  let escapes = 0;
  for (const b of raw) if (b === DOLLAR || b === HASH || b === ESCAPE || b === REPEAT) escapes++;
  const body = Buffer.allocUnsafe(raw.length + escapes);
  let at = 0;
  for (const b of raw) {
    if (b === DOLLAR || b === HASH || b === ESCAPE || b === REPEAT) {
      body[at++] = ESCAPE;
      body[at++] = b ^ 0x20;
    } else body[at++] = b;
  }
  const sum = checksum(body).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from('$'), body, Buffer.from(`#${sum}`)]);
}

/** Undoes escapes and run-length encoding of a received payload (fast path when there is neither). */
export function decodePayload(body: Buffer): Buffer {
  if (body.indexOf(ESCAPE) < 0 && body.indexOf(REPEAT) < 0) return body;
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === ESCAPE && i + 1 < body.length) out.push(body[++i] ^ 0x20);
    else if (b === REPEAT && i + 1 < body.length && out.length > 0) {
      const count = body[++i] - 29;
      const previous = out[out.length - 1];
      for (let n = 0; n < count; n++) out.push(previous);
    } else out.push(b);
  }
  return Buffer.from(out);
}

/** Hex digits of a memory read reply into bytes; throws on an error reply or odd text. */
export function hexToBytes(reply: string, what: string): Buffer {
  if (/^E[0-9a-fA-F]{2}$/.test(reply)) throw new GdbError(`${what}: the stub answered error ${reply}`, reply);
  if (reply.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(reply)) throw new GdbError(`${what}: unexpected reply "${reply.slice(0, 40)}"`, reply);
  return Buffer.from(reply, 'hex');
}

/** A stop reply: T (signal and info), S (signal), W/X (process exited). */
export function isStopReply(payload: string): boolean {
  return /^[TS][0-9a-fA-F]{2}/.test(payload) || /^[WX][0-9a-fA-F]{2}/.test(payload);
}

export class GdbError extends Error {
  constructor(
    message: string,
    readonly reply?: string,
  ) {
    super(message);
    this.name = 'GdbError';
  }
}
