import { readFileSync, statSync } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  type Batch,
  type BatchKind,
  type ColumnData,
  type Field,
  type NumericColumnType,
  allocColumn,
  bytesBatch,
  framesBatch,
  recordsBatch,
} from '../batch.js';
import type { ComponentContext } from '../component.js';
import { confinePath } from '../paths.js';
import { StringDictionary } from '../records/dictionary.js';
import { loopSource } from '../source-loop.js';
import type { RowColumnType, TestInput } from './schema.js';

/** A file input is read whole into memory; a test needs a sample, not a day of recording. */
export const MAX_INPUT_FILE_BYTES = 64 * 1024 * 1024;

/** The bytes a hex text stands for: whitespace, commas and 0x prefixes are ignored. */
export function hexBytes(text: string): Buffer {
  return Buffer.from(text.replace(/0x/gi, '').replace(/[\s,]/g, ''), 'hex');
}

/** Reads a file input, confined to the test file's folder and bounded in size. */
export function readInputFile(baseDir: string, file: string): Buffer {
  const absolute = confinePath(baseDir, file, 'file');
  const size = statSync(absolute).size;
  if (size > MAX_INPUT_FILE_BYTES) throw new Error(`${file} is ${size} bytes; a test input file may be at most ${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB`);
  return readFileSync(absolute);
}

/**
 * The batches an input (hex, file or rows) stands for, as the kind its insertion point reads.
 * Host times are 0: the test clock stands still, so what a test sees does not depend on when it ran.
 */
export function inputBatches(input: TestInput, kind: BatchKind, source: string, baseDir: string): Batch[] {
  if (input.rows) return [rowsBatch(input.rows, input.types ?? {}, source, input.time)];
  const chunks = input.hex !== undefined ? (Array.isArray(input.hex) ? input.hex : [input.hex]).map(hexBytes) : fileChunks(readInputFile(baseDir, input.file!), input.chunk_size);
  if (kind === 'frames') {
    // One frame per hex string (or per file chunk), all in one batch, as a framing step would give them.
    const buffer = Buffer.concat(chunks);
    const lengths = Uint32Array.from(chunks, (c) => c.length);
    const offsets = new Uint32Array(chunks.length);
    for (let i = 1; i < chunks.length; i++) offsets[i] = offsets[i - 1] + lengths[i - 1];
    return [framesBatch(source, buffer, offsets, lengths, new Float64Array(chunks.length))];
  }
  return chunks.map((data) => bytesBatch(source, data, 0));
}

function fileChunks(data: Buffer, chunkSize: number | undefined): Buffer[] {
  if (chunkSize === undefined || data.length <= chunkSize) return [data];
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += chunkSize) chunks.push(data.subarray(at, at + chunkSize));
  return chunks;
}

/** One records batch from rows: columns in the order of the first row, typed by `types` or by value; `time` marks time columns. */
export function rowsBatch(
  rows: readonly Record<string, number | string | boolean>[],
  types: Readonly<Record<string, RowColumnType>>,
  source: string,
  time: Readonly<Record<string, 'device' | 'host'>> = {},
): Batch {
  const names = Object.keys(rows[0]);
  const fields: Field[] = [];
  const columns: Record<string, ColumnData> = {};
  for (const name of names) {
    const values = rows.map((row) => row[name]);
    const type = types[name] ?? (values.some((v) => typeof v === 'string') ? 'string' : 'f64');
    fields.push({ name, type, ...(time[name] ? { time: time[name], unit: 'ns' } : {}) });
    columns[name] = type === 'string' ? stringColumn(values) : numericColumn(name, values, type);
  }
  return recordsBatch(source, fields, columns, rows.length);
}

function stringColumn(values: readonly (number | string | boolean)[]): ColumnData {
  const dictionary = new StringDictionary();
  const codes = Int32Array.from(values, (v) => dictionary.code(String(v)));
  return { codes, dictionary: dictionary.values };
}

function numericColumn(name: string, values: readonly (number | string | boolean)[], type: NumericColumnType): ColumnData {
  const column = allocColumn(type, values.length);
  values.forEach((value, row) => {
    const number = typeof value === 'boolean' ? Number(value) : value;
    if (typeof number !== 'number') throw new Error(`rows[${row}].${name}: ${JSON.stringify(value)} is not a number (column type ${type})`);
    if (column instanceof BigInt64Array || column instanceof BigUint64Array) {
      if (!Number.isInteger(number)) throw new Error(`rows[${row}].${name}: ${number} is not an integer (column type ${type})`);
      column[row] = BigInt(number);
    } else {
      column[row] = number;
    }
  });
  return column;
}

/**
 * A source that emits the given batches in order and completes. It waits while a sink downstream
 * is full and gives the event loop a turn between batches, as a real source does.
 */
export function replaySource(batches: readonly Batch[], context: ComponentContext) {
  return loopSource(context, async (emit, signal) => {
    for (const batch of batches) {
      if (signal.aborted) return;
      if (context.flow.paused) await context.flow.whenResumed();
      emit(batch);
      await yieldToLoop();
    }
  });
}
