import { describe, expect, it } from 'vitest';
import { recordsBatch } from '../../../src/core/batch.js';
import { encodeDataMessage, sendableColumns } from '../../../src/sinks/websocket/encode.js';
import { DATA_MAGIC, decodeDataMessage } from '../../../src/sinks/websocket/page/protocol.js';

const fields = [
  { name: 't', type: 'f64', unit: 'ns', time: 'host' },
  { name: 'raw', type: 'u32' },
  { name: 'delta', type: 'i16' },
  { name: 'big', type: 'i64' },
  { name: 'level', type: 'string' },
  { name: 'blob', type: 'binary' },
] as const;

function batch() {
  return recordsBatch(
    'node',
    fields as never,
    {
      t: new Float64Array([1.5, 2.5, 3.5]),
      raw: new Uint32Array([0, 4_000_000_000, 7]),
      delta: new Int16Array([-32768, 0, 32767]),
      big: new BigInt64Array([-5n, 0n, 2n ** 40n]),
      level: { codes: new Int32Array([1, 0, 1]), dictionary: ['info', 'warn'] },
      blob: { data: new Uint8Array([1, 2, 3]), offsets: new Int32Array([0, 1, 2, 3]) },
    },
    3,
  );
}

describe('live feed data messages', () => {
  it('round-trips every sendable column type through the page decoder', () => {
    const columns = sendableColumns(fields as never);
    expect(columns).toEqual(['t', 'raw', 'delta', 'big', 'level']);
    const message = encodeDataMessage('node', 42, batch(), columns);
    expect(message.readUInt32LE(0)).toBe(DATA_MAGIC);
    expect(message.subarray(0, 4).toString('latin1')).toBe('TPD1');
    const { header, columns: decoded } = decodeDataMessage(message);
    expect(header).toMatchObject({ stream: 'node', seq: 42, rows: 3, columns, dictionaries: { level: ['info', 'warn'] } });
    expect([...decoded.t]).toEqual([1.5, 2.5, 3.5]);
    expect([...decoded.raw]).toEqual([0, 4_000_000_000, 7]);
    expect([...decoded.delta]).toEqual([-32768, 0, 32767]);
    expect([...decoded.big]).toEqual([-5, 0, 2 ** 40]);
    expect([...decoded.level]).toEqual([1, 0, 1]);
  });

  it('starts the columns 8-byte aligned so a browser can view them in place', () => {
    for (const name of ['a', 'ab', 'abc', 'abcdefg']) {
      const message = encodeDataMessage(name, 1, batch(), ['t']);
      const headerLength = message.readUInt32LE(4);
      expect((8 + headerLength) % 8).toBe(0);
      const copy = new Uint8Array(message).buffer; // an ArrayBuffer at offset 0, as in a browser
      expect([...decodeDataMessage(copy).columns.t]).toEqual([1.5, 2.5, 3.5]);
    }
  });

  it('decodes from an unaligned Node buffer by copying', () => {
    const message = encodeDataMessage('node', 1, batch(), ['raw']);
    const padded = Buffer.concat([Buffer.from([0]), message]).subarray(1);
    expect([...decodeDataMessage(padded).columns.raw]).toEqual([0, 4_000_000_000, 7]);
  });

  it('selects only the requested columns, in order', () => {
    const { header, columns } = decodeDataMessage(encodeDataMessage('node', 1, batch(), ['delta', 't']));
    expect(header.columns).toEqual(['delta', 't']);
    expect(Object.keys(columns)).toEqual(['delta', 't']);
    expect(header.dictionaries).toBeUndefined();
  });

  it('rejects truncated or foreign messages with a clear error', () => {
    const message = encodeDataMessage('node', 1, batch(), ['t']);
    expect(() => decodeDataMessage(message.subarray(0, message.length - 8))).toThrow(/header says/);
    expect(() => decodeDataMessage(Buffer.from('not a data message'))).toThrow(/bad magic/);
    expect(() => decodeDataMessage(Buffer.alloc(3))).toThrow(/too short/);
  });
});
