import { endianness } from 'node:os';
import { type ColumnData, type Field, type RecordsBatch, isBinaryColumn, isStringColumn } from '../../core/batch.js';
import { DATA_MAGIC } from './page/protocol.js';

/**
 * Encodes records batches as the live feed's binary data messages (docs/live-protocol.md):
 *
 *   u32 LE magic "TPD1" | u32 LE header length H | H bytes of UTF-8 JSON header (space-padded so the
 *   columns start 8-byte aligned) | one float64 LE array of `rows` values per header column
 *
 * Float64 columns can be viewed in place by a browser (`new Float64Array(buffer, offset, rows)`), by
 * numpy (`np.frombuffer`) or by any language without a schema library; the header says which columns
 * follow. String columns travel as their dictionary codes, with the dictionary in the header.
 */

const LITTLE_ENDIAN = endianness() === 'LE';

/** Column names of a schema that can be sent (binary columns cannot). */
export function sendableColumns(fields: readonly Field[]): string[] {
  return fields.filter((f) => f.type !== 'binary').map((f) => f.name);
}

export function encodeDataMessage(stream: string, seq: number, batch: RecordsBatch, columns: readonly string[]): Buffer {
  const rows = batch.length;
  const dictionaries: Record<string, readonly string[]> = {};
  for (const name of columns) {
    const column = batch.columns[name];
    if (isStringColumn(column)) dictionaries[name] = column.dictionary;
  }
  const header: Record<string, unknown> = { stream, seq, rows, columns };
  if (Object.keys(dictionaries).length > 0) header.dictionaries = dictionaries;
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padding = (8 - ((8 + json.length) % 8)) % 8;
  if (padding > 0) json = Buffer.concat([json, Buffer.alloc(padding, 0x20)]);
  const dataStart = 8 + json.length;
  // allocUnsafeSlow is never taken from the shared pool, so byteOffset is 0 and the columns are aligned.
  const message = Buffer.allocUnsafeSlow(dataStart + columns.length * rows * 8);
  message.writeUInt32LE(DATA_MAGIC, 0);
  message.writeUInt32LE(json.length, 4);
  json.copy(message, 8);
  columns.forEach((name, i) => writeColumn(message, dataStart + i * rows * 8, batch.columns[name], rows));
  return message;
}

function writeColumn(message: Buffer, offset: number, column: ColumnData, rows: number): void {
  if (isBinaryColumn(column)) throw new Error('binary columns are not sent on the live feed');
  const source = isStringColumn(column) ? column.codes : column;
  if (LITTLE_ENDIAN) {
    const target = new Float64Array(message.buffer, message.byteOffset + offset, rows);
    if (source instanceof BigInt64Array || source instanceof BigUint64Array) {
      // 64-bit integers above 2^53 lose precision as float64; documented in the protocol.
      for (let i = 0; i < rows; i++) target[i] = Number(source[i]);
    } else {
      target.set(source);
    }
    return;
  }
  for (let i = 0; i < rows; i++) message.writeDoubleLE(Number(source[i]), offset + i * 8);
}
