import { allocColumn, type ColumnData, type Field, type FramesBatch, type NumericColumn, type NumericColumnType } from '../../core/batch.js';
import type { DeadLetters } from '../dead-letters.js';
import { StringColumnBuilder } from './columns.js';
import type { DecodeOptions } from './options.js';

type TextOptions = NonNullable<DecodeOptions['text']>;
type TextColumn = NonNullable<TextOptions['columns']>[number];

/** Splits one CSV line; double quotes protect delimiters, and "" inside quotes is a quote. */
export function splitCsv(line: string, delimiter: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') field += line[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

const PAIR = /([A-Za-z_][\w.-]*)\s*[=:]\s*("[^"]*"|[^\s,;]*)/g;

/** Parses "key=value" pairs separated by spaces, commas or semicolons; quotes allowed around values. */
export function parsePairs(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of line.matchAll(PAIR)) out.set(match[1], match[2].startsWith('"') ? match[2].slice(1, -1) : match[2]);
  return out;
}

/** Sets row `r` of a column from text; false when the text is not a value of the column's type. */
function setValue(column: NumericColumn | StringColumnBuilder, type: TextColumn['type'], r: number, text: string): boolean {
  if (column instanceof StringColumnBuilder) {
    column.set(r, text);
    return true;
  }
  const trimmed = text.trim();
  if (trimmed === '') return false;
  if (type === 'i64' || type === 'u64') {
    try {
      const value = BigInt(trimmed);
      if (type === 'u64' && value < 0n) return false;
      (column as BigInt64Array)[r] = value;
      return true;
    } catch {
      return false;
    }
  }
  const value = Number(trimmed);
  if (Number.isNaN(value) && trimmed.toLowerCase() !== 'nan') return false;
  if (type !== 'f32' && type !== 'f64' && !Number.isInteger(value)) return false;
  column[r] = value;
  return true;
}

/** Decodes text lines (csv or key=value) into typed columns; lines that do not parse are rejected as `decode`. */
export class TextLineDecoder {
  private columns: TextColumn[] | undefined;
  /** csv: position of each output column in a line. */
  private positions: number[] = [];
  private header: string | undefined;

  constructor(private readonly options: TextOptions) {
    this.columns = options.columns;
    if (options.columns && !options.header) this.positions = options.columns.map((_, i) => i);
  }

  /** The schema, known once the header was read (always known without header). */
  fields(): Field[] | undefined {
    return this.columns?.map((c) => ({ name: c.name, type: c.type, ...(c.unit ? { unit: c.unit } : {}) }));
  }

  decode(batch: FramesBatch, dead: DeadLetters, counts: { decode: number; headers: number }): { columns: Record<string, ColumnData>; rows: number; hostTime: Float64Array } | undefined {
    const lines: { text: string; i: number }[] = [];
    for (let i = 0; i < batch.count; i++) {
      const text = batch.buffer.toString('utf8', batch.offsets[i], batch.offsets[i] + batch.lengths[i]);
      if (this.options.format === 'csv' && this.options.header && this.header === undefined) this.readHeader(text);
      else if (text === this.header) counts.headers++;
      else lines.push({ text, i });
    }
    const columns = this.columns;
    if (!columns || lines.length === 0) return undefined;
    const built = columns.map((c) => (c.type === 'string' ? new StringColumnBuilder(lines.length) : allocColumn(c.type as NumericColumnType, lines.length)));
    const hostTime = new Float64Array(lines.length);
    let rows = 0;
    for (const { text, i } of lines) {
      const values = this.values(text, columns);
      const ok = values !== undefined && columns.every((c, k) => values[k] !== undefined && setValue(built[k], c.type, rows, values[k]!));
      if (!ok) {
        counts.decode++;
        dead.add('decode', batch.buffer, batch.offsets[i], batch.offsets[i] + batch.lengths[i], batch.hostTimeNs[i]);
        continue;
      }
      hostTime[rows++] = batch.hostTimeNs[i];
    }
    const out: Record<string, ColumnData> = {};
    columns.forEach((c, k) => {
      const column = built[k];
      out[c.name] = column instanceof StringColumnBuilder ? trimStrings(column, rows) : column.subarray(0, rows);
    });
    return { columns: out, rows, hostTime: hostTime.subarray(0, rows) };
  }

  private values(text: string, columns: TextColumn[]): (string | undefined)[] | undefined {
    if (this.options.format === 'csv') {
      const parts = splitCsv(text, this.options.delimiter);
      return this.positions.map((p) => parts[p]);
    }
    const pairs = parsePairs(text);
    return columns.map((c) => pairs.get(c.name));
  }

  private readHeader(text: string): void {
    this.header = text;
    const names = splitCsv(text, this.options.delimiter).map((n) => n.trim());
    if (!this.columns) this.columns = names.map((name) => ({ name: name.replace(/[^A-Za-z0-9_]/g, '_'), type: 'f64' as const }));
    this.positions = this.columns.map((c) => {
      const p = names.indexOf(c.name);
      if (p < 0) throw new Error(`csv header "${text}" has no column "${c.name}"`);
      return p;
    });
  }
}

function trimStrings(builder: StringColumnBuilder, rows: number): ColumnData {
  const column = builder.build();
  return { codes: column.codes.subarray(0, rows), dictionary: column.dictionary };
}
