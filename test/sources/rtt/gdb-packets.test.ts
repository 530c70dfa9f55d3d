import { describe, expect, it } from 'vitest';
import { decodePayload, encodePacket, hexToBytes } from '../../../src/sources/rtt/gdb-packets.js';
import { PollPacer } from '../../../src/sources/rtt/pacing.js';

describe('GDB remote protocol framing', () => {
  it('frames a packet with its checksum and escapes the reserved bytes', () => {
    expect(encodePacket('m20000000,4').toString('latin1')).toBe('$m20000000,4#4f');
    expect(encodePacket('?').toString('latin1')).toBe('$?#3f');
    // $ # } * are sent as } followed by the byte xor 0x20, and the checksum covers the escaped form.
    expect(encodePacket(Buffer.from('a$b#c}d*')).toString('latin1')).toBe('$a}\x04b}\x03c}]d}\x0a#ec');
  });

  it('undoes escapes and run-length encoding in a reply', () => {
    expect(decodePayload(Buffer.from('0* ')).toString()).toBe('0000'); // ' ' is 32: 3 more repeats
    expect(decodePayload(Buffer.from('a}\x04b')).toString()).toBe('a$b');
    expect(decodePayload(Buffer.from('plain')).toString()).toBe('plain');
  });

  it('turns error replies into errors that name the access', () => {
    expect(hexToBytes('0a0b', 'read')).toEqual(Buffer.from([10, 11]));
    expect(() => hexToBytes('E14', 'reading 4 bytes at 0x0')).toThrow(/reading 4 bytes at 0x0: the stub answered error E14/);
    expect(() => hexToBytes('T05', 'read')).toThrow(/unexpected reply "T05"/);
  });
});

describe('adaptive poll pacing', () => {
  it('polls at once when the buffer was half full, slows down when idle, and settles in between', () => {
    const pacer = new PollPacer(0, 50);
    expect(pacer.next(9000, 16384)).toBe(0);
    const idle = Array.from({ length: 10 }, () => pacer.next(0, 16384));
    expect(idle[0]).toBe(0.5);
    expect(idle.at(-1)).toBe(50);
    expect(idle).toEqual([...idle].sort((a, b) => a - b));
    expect(pacer.next(5000, 16384)).toBe(25); // above a quarter: halves
    expect(pacer.next(3000, 16384)).toBe(25); // between an eighth and a quarter: keeps
  });
});
