import type { Field } from '../core/batch.js';
import { deviceSecondsText, wallClockText } from '../core/time-text.js';
import type { DataHeader } from '../sinks/websocket/page/protocol.js';

/**
 * Turns decoded feed messages into text lines for `pipeline tap`: JSON lines for scripts, an aligned
 * table for people. Host time columns become absolute wall-clock time (integer ns in JSON, exact).
 */
export interface TapFormatter {
  /** Lines for one data message (each without a trailing newline). */
  lines(header: DataHeader, columns: Record<string, Float64Array>, fields: readonly Field[] | undefined): string[];
}

const TABLE_WIDTH = 14;
const HEADER_EVERY = 40;

export function jsonlFormatter(anchorWallNs: () => bigint): TapFormatter {
  return {
    lines(header, columns, fields) {
      const lines: string[] = [];
      const kinds = header.columns.map((name) => columnKind(name, fields, header));
      for (let row = 0; row < header.rows; row++) {
        const parts = [`"stream":${JSON.stringify(header.stream)}`];
        header.columns.forEach((name, i) => {
          const value = columns[name][row];
          const kind = kinds[i];
          let text: string;
          if (kind === 'host_time') text = (anchorWallNs() + BigInt(Math.round(value))).toString();
          else if (kind === 'string') text = JSON.stringify(header.dictionaries?.[name]?.[value] ?? null);
          else text = Number.isFinite(value) ? String(value) : 'null';
          parts.push(`${JSON.stringify(name)}:${text}`);
        });
        lines.push(`{${parts.join(',')}}`);
      }
      return lines;
    },
  };
}

export function tableFormatter(anchorWallNs: () => bigint): TapFormatter {
  let lastColumns = '';
  let sinceHeader = 0;
  return {
    lines(header, columns, fields) {
      const lines: string[] = [];
      const key = `${header.stream}\u0000${header.columns.join('\u0000')}`;
      const kinds = header.columns.map((name) => columnKind(name, fields, header));
      for (let row = 0; row < header.rows; row++) {
        if (key !== lastColumns || sinceHeader >= HEADER_EVERY) {
          lines.push(['stream', ...header.columns.map((name) => withUnit(name, fields))].map(cell).join(' '));
          lastColumns = key;
          sinceHeader = 0;
        }
        const cells = header.columns.map((name, i) => {
          const value = columns[name][row];
          const kind = kinds[i];
          if (kind === 'host_time') return wallClockText(anchorWallNs() + BigInt(Math.round(value)));
          if (kind === 'string') return String(header.dictionaries?.[name]?.[value] ?? '');
          if (kind === 'device_time') return deviceSecondsText(value);
          return Number.isInteger(value) ? String(value) : value.toPrecision(6);
        });
        lines.push([header.stream, ...cells].map(cell).join(' '));
        sinceHeader++;
      }
      return lines;
    },
  };
}

type Kind = 'host_time' | 'device_time' | 'string' | 'number';

function columnKind(name: string, fields: readonly Field[] | undefined, header: DataHeader): Kind {
  const field = fields?.find((f) => f.name === name);
  if (field?.time === 'host') return 'host_time';
  if (field?.time === 'device') return 'device_time';
  if (header.dictionaries?.[name] !== undefined) return 'string';
  return 'number';
}

function withUnit(name: string, fields: readonly Field[] | undefined): string {
  const field = fields?.find((f) => f.name === name);
  if (field?.time === 'device') return `${name}(s)`;
  return field?.unit && field.time === undefined ? `${name}[${field.unit}]` : name;
}

function cell(text: string): string {
  return text.length >= TABLE_WIDTH ? text : text.padStart(TABLE_WIDTH);
}
