// Decoder for the live feed's binary data messages (see docs/live-protocol.md). Plain ES module with
// no dependencies: the page loads it in the browser and `pipeline tap` imports it in Node.

/** "TPD1" read as a little-endian u32: the first four bytes of every data message. */
export const DATA_MAGIC = 0x31445054;

/**
 * Decodes one data message.
 * @param {ArrayBuffer | Uint8Array} message the binary WebSocket message
 * @returns {{ header: { stream: string, seq: number, rows: number, columns: string[], dictionaries?: Record<string, string[]> }, columns: Record<string, Float64Array> }}
 */
export function decodeDataMessage(message) {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.byteLength < 8) throw new Error(`data message too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== DATA_MAGIC) throw new Error('not a data message (bad magic)');
  const headerLength = view.getUint32(4, true);
  const dataStart = 8 + headerLength;
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, dataStart)));
  const rows = header.rows;
  const expected = dataStart + header.columns.length * rows * 8;
  if (bytes.byteLength !== expected) throw new Error(`data message has ${bytes.byteLength} bytes, header says ${expected}`);
  // Column data starts 8-byte aligned within the message; view it in place when the message itself is
  // aligned (a browser ArrayBuffer always is), copy otherwise (a Node Buffer from a pool may not be; Buffer#slice
  // is a view, hence the Uint8Array slice).
  const aligned = (bytes.byteOffset + dataStart) % 8 === 0;
  const columns = {};
  header.columns.forEach((name, i) => {
    const start = dataStart + i * rows * 8;
    columns[name] = aligned
      ? new Float64Array(bytes.buffer, bytes.byteOffset + start, rows)
      : new Float64Array(Uint8Array.prototype.slice.call(bytes, start, start + rows * 8).buffer);
  });
  return { header, columns };
}
