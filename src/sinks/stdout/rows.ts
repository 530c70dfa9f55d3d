import { type Batch, type ColumnData, isBinaryColumn, isStringColumn, frameView } from '../../core/batch.js';
import type { Clock } from '../../core/clock.js';

/** A value as JSON text: exact for 64-bit integers and absolute host timestamps (digits, not floats). */
export type Row = Record<string, string>;

/** Turns a batch into rows of JSON-ready value texts, optionally only some columns. */
export function batchRows(batch: Batch, clock: Clock, columns?: readonly string[], limit = Infinity): Row[] {
  const rows: Row[] = [];
  if (batch.kind === 'bytes') {
    rows.push({ source: JSON.stringify(batch.source), host_time: clock.toWallNs(batch.hostTimeNs).toString(), length: String(batch.data.length), hex: JSON.stringify(batch.data.subarray(0, 256).toString('hex')) });
    return rows;
  }
  if (batch.kind === 'frames') {
    for (let i = 0; i < Math.min(batch.count, limit); i++) {
      const frame = frameView(batch, i);
      rows.push({ host_time: clock.toWallNs(batch.hostTimeNs[i]).toString(), length: String(frame.length), hex: JSON.stringify(frame.toString('hex')) });
    }
    return rows;
  }
  const fields = batch.schema.fields.filter((f) => !columns || columns.includes(f.name));
  const start = Math.max(0, batch.length - limit);
  for (let r = start; r < batch.length; r++) {
    const row: Row = {};
    for (const field of fields) {
      const text = valueText(batch.columns[field.name], r);
      row[field.name] = field.time === 'host' ? clock.toWallNs(Number(text)).toString() : text;
    }
    rows.push(row);
  }
  return rows;
}

function valueText(column: ColumnData, row: number): string {
  if (isStringColumn(column)) return JSON.stringify(column.dictionary[column.codes[row]] ?? null);
  if (isBinaryColumn(column)) return JSON.stringify(Buffer.from(column.data.subarray(column.offsets[row], column.offsets[row + 1])).toString('hex'));
  const value = column[row];
  if (typeof value === 'bigint') return value.toString();
  return Number.isFinite(value) ? String(value) : 'null';
}

export function rowToJson(row: Row): string {
  return '{' + Object.entries(row).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',') + '}';
}

/** Rows as an aligned text table with a header line. */
export function renderTable(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const names = Object.keys(rows[0]);
  const cells = rows.map((row) => names.map((n) => readable(row[n])));
  const widths = names.map((n, i) => Math.max(n.length, ...cells.map((c) => c[i].length)));
  const line = (values: string[]) => values.map((v, i) => v.padStart(widths[i])).join('  ');
  return [line(names), ...cells.map(line)].join('\n') + '\n';
}

/** Table cells are for reading: strings unquoted, fractions to 6 significant digits (JSON stays exact). */
function readable(text: string): string {
  if (text.startsWith('"')) return text.slice(1, -1);
  const value = Number(text);
  if (text.includes('.') && Number.isFinite(value)) return String(Number(value.toPrecision(6)));
  return text;
}
