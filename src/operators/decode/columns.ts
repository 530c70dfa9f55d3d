import { StringDictionary } from '../../core/records/dictionary.js';
import { allocColumn, type ArrayForType, type BinaryColumn, type NumericColumnType, type StringColumn } from '../../core/batch.js';

/** Builds a dictionary-encoded string column row by row. */
export class StringColumnBuilder {
  private readonly codes: Int32Array;
  private readonly dictionary = new StringDictionary();

  constructor(rows: number) {
    this.codes = new Int32Array(rows);
  }

  set(row: number, value: string): void {
    this.codes[row] = this.dictionary.code(value);
  }

  build(): StringColumn {
    return { codes: this.codes, dictionary: this.dictionary.values };
  }

  /** A string column of `values`, in order. */
  static of(values: readonly string[]): StringColumn {
    const builder = new StringColumnBuilder(values.length);
    values.forEach((value, row) => builder.set(row, value));
    return builder.build();
  }
}

/** Builds a binary column from byte runs appended in row order. */
export class BinaryColumnBuilder {
  private readonly offsets: Int32Array;
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private row = 0;

  constructor(rows: number) {
    this.offsets = new Int32Array(rows + 1);
  }

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
    this.offsets[++this.row] = this.size;
  }

  build(): BinaryColumn {
    const data = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      data.set(chunk, at);
      at += chunk.length;
    }
    return { data, offsets: this.offsets };
  }
}

/** Text of a string field: UTF-8 up to the first NUL (C strings padded with zeros). */
export function fieldText(buf: Uint8Array, start: number, end: number): string {
  let stop = start;
  while (stop < end && buf[stop] !== 0) stop++;
  return Buffer.from(buf.buffer, buf.byteOffset + start, stop - start).toString('utf8');
}

type ViewConstructor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => unknown;

/**
 * Numeric columns of one batch carved out of a single ArrayBuffer: one allocation per batch instead
 * of one per column (measured about 3x cheaper for six columns of a thousand rows). Each column is
 * an ordinary typed array (a view at an 8-byte aligned offset).
 */
export class ColumnArena {
  private readonly buffer: ArrayBuffer;
  private offset = 0;

  constructor(
    private readonly rows: number,
    types: readonly NumericColumnType[],
  ) {
    let bytes = 0;
    for (const type of types) bytes += aligned(rows * allocColumn(type, 0).BYTES_PER_ELEMENT);
    this.buffer = new ArrayBuffer(bytes);
  }

  /** The next column; the arena must have been sized with this type at this position. */
  take<T extends NumericColumnType>(type: T): ArrayForType<T> {
    const ctor = allocColumn(type, 0).constructor as ViewConstructor;
    const column = new ctor(this.buffer, this.offset, this.rows) as ArrayForType<T>;
    this.offset += aligned(column.byteLength);
    return column;
  }
}

function aligned(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}
