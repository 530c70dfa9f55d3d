import { describe, expect, it } from 'vitest';
import { available, findIds, freeSpace, InvalidControlBlockError, parseControlBlock, usableChannel } from '../../../src/sources/rtt/control-block.js';

/** A control block image laid out by hand from the SEGGER layout (24-byte header, 24-byte descriptors). */
function image(up: number[][], down: number[][], counts = { up: up.length, down: down.length }): Buffer {
  const b = Buffer.alloc(24 + 24 * (up.length + down.length));
  b.write('SEGGER RTT', 0, 'latin1');
  b.writeInt32LE(counts.up, 16);
  b.writeInt32LE(counts.down, 20);
  [...up, ...down].forEach((fields, i) => fields.forEach((v, j) => b.writeUInt32LE(v, 24 + 24 * i + 4 * j)));
  return b;
}
// name, buffer, size, WrOff, RdOff, Flags
const good = [0x100, 0x20001000, 1024, 10, 4, 2];

describe('RTT control block', () => {
  it('parses descriptors at their offsets and leaves size-0 channels as unused', () => {
    const block = parseControlBlock(0x20000000, image([good, [0, 0, 0, 0, 0, 0]], [[0x200, 0x20002000, 16, 3, 3, 0]]));
    expect(block.bytes).toBe(24 + 3 * 24);
    expect(block.up[0]).toMatchObject({ address: 0x20000018, buffer: 0x20001000, size: 1024, wrOff: 10, rdOff: 4, flags: 2 });
    expect(block.down[0]).toMatchObject({ address: 0x20000048, size: 16 });
    expect(() => usableChannel(block, 'up', 1)).toThrow(/up channel 1 has size 0/);
    expect(() => usableChannel(block, 'down', 1)).toThrow(/has 1 down channels; there is no down channel 1/);
  });

  it.each([
    ['a channel count out of range', image([good], [], { up: 300, down: 0 }), /MaxNumUpBuffers is 300, outside 0..255/],
    ['an offset past the size', image([[0, 0x20001000, 1024, 1024, 0, 0]], []), /up channel 0 has WrOff 1024 past its size 1024/],
    ['RdOff past the size', image([good], [[0, 0x20002000, 16, 0, 99, 0]]), /down channel 0 has RdOff 99 past its size 16/],
    ['a size without a buffer', image([[0, 0, 64, 0, 0, 0]], []), /has size 64 but no buffer/],
    ['a size of 1', image([[0, 0x20001000, 1, 0, 0, 0]], []), /below the minimum of 2/],
    ['a buffer past the end of memory', image([[0, 0xffffff00, 1024, 0, 0, 0]], []), /runs past the end of memory/],
  ])('refuses %s', (_what, bytes, message) => {
    expect(() => parseControlBlock(0x20000000, bytes)).toThrow(InvalidControlBlockError);
    expect(() => parseControlBlock(0x20000000, bytes)).toThrow(message);
  });

  it('finds every full ID, at any alignment', () => {
    const memory = Buffer.alloc(256);
    memory.write('SEGGER RTT', 3, 'latin1');
    memory.write('SEGGER RTT', 101, 'latin1');
    memory.write('SEGGER RTTX', 200, 'latin1'); // not NUL-padded: not an ID
    expect(findIds(memory, 0x1000)).toEqual([0x1003, 0x1065]);
  });

  it('counts readable bytes and free room by the ring rules', () => {
    expect(available({ size: 16, wrOff: 10, rdOff: 4 })).toBe(6);
    expect(available({ size: 16, wrOff: 2, rdOff: 14 })).toBe(4);
    expect(freeSpace({ size: 16, wrOff: 0, rdOff: 0 })).toBe(15);
    expect(freeSpace({ size: 16, wrOff: 3, rdOff: 4 })).toBe(0);
    expect(freeSpace({ size: 16, wrOff: 14, rdOff: 2 })).toBe(3);
  });
});
