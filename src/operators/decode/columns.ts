import type { BinaryColumn, StringColumn } from '../../core/batch.js';

/** Builds a dictionary-encoded string column row by row. */
export class StringColumnBuilder {
  private readonly codes: Int32Array;
  private readonly dictionary: string[] = [];
  private readonly index = new Map<string, number>();

  constructor(rows: number) {
    this.codes = new Int32Array(rows);
  }

  set(row: number, value: string): void {
    let code = this.index.get(value);
    if (code === undefined) {
      code = this.dictionary.push(value) - 1;
      this.index.set(value, code);
    }
    this.codes[row] = code;
  }

  build(): StringColumn {
    return { codes: this.codes, dictionary: this.dictionary };
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
