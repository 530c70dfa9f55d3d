import { registerCommandHelp } from './help.js';
import { deviceSecondsText } from '../core/time-text.js';
import { type InspectReport, inspectRecording } from '../sinks/recording/inspect.js';


export const inspectHelp = registerCommandHelp({
  name: 'inspect',
  usage: 'pipeline inspect FILE|DIR [--head N] [--json]',
  summary: "Shows a recording's schema, row count, host-time and device-time ranges, metadata and per-column min/max/null counts.",
  options: [
    ['FILE|DIR', 'A Parquet or Arrow recording, or a directory of them (read as one dataset)'],
    ['--head N', 'Also print the first N rows'],
    ['--json', 'Print the report as JSON (snake_case keys)'],
  ],
  examples: ['pipeline inspect recordings/ --head 5'],
});
const USAGE = `usage: ${inspectHelp.usage}`;

/** Long metadata values (the pipeline file) are shown up to this many lines; --json shows all. */
const MAX_VALUE_LINES = 40;

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd());
}

/** The report as text for a terminal. */
export function formatReport(report: InspectReport): string[] {
  const lines = [`${report.format} recording: ${report.files.length === 1 ? report.files[0] : `${report.files.length} files`}`, `rows: ${report.rows}`];
  if (report.time_range) lines.push(`time (${report.time_range.column}, host): ${report.time_range.first} .. ${report.time_range.last}`);
  const device = report.device_time_range;
  if (device) lines.push(`device time (${device.column}): ${deviceSecondsText(Number(device.first_ns))} s .. ${deviceSecondsText(Number(device.last_ns))} s (${device.span_s.toFixed(6).replace(/\.?0+$/, '')} s of device time)`);
  lines.push('', ...table([['column', 'type', 'min', 'max', 'nulls'], ...report.columns.map((c) => [c.name, c.type, c.min ?? '', c.max ?? '', String(c.nulls)])]));
  if (Object.keys(report.metadata).length > 0) {
    lines.push('', 'metadata:');
    for (const [key, value] of Object.entries(report.metadata)) {
      const valueLines = value.split('\n');
      if (valueLines.length === 1) lines.push(`  ${key}: ${value}`);
      else {
        lines.push(`  ${key}: |`, ...valueLines.slice(0, MAX_VALUE_LINES).map((l) => `    ${l}`));
        if (valueLines.length > MAX_VALUE_LINES) lines.push(`    ... ${valueLines.length - MAX_VALUE_LINES} more lines (--json shows all)`);
      }
    }
  }
  if (report.head.length > 0) {
    const names = report.columns.map((c) => c.name);
    lines.push('', ...table([names, ...report.head.map((row) => names.map((n) => row[n] ?? 'null'))]));
  }
  return lines;
}

/** `pipeline inspect FILE|DIR [--head N] [--json]`; returns the exit code. */
export async function inspectCommand(argv: readonly string[], out: (line: string) => void = console.log): Promise<number> {
  let head = 0;
  let json = false;
  const targets: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--head') {
      head = Number(argv[++i]);
      if (!Number.isInteger(head) || head < 0) {
        out(`inspect: --head needs a whole number of rows, got "${argv[i]}"`);
        return 2;
      }
    } else if (arg === '--json') json = true;
    else targets.push(arg);
  }
  if (targets.length !== 1) {
    out(USAGE);
    return 2;
  }
  try {
    const report = await inspectRecording(targets[0], head);
    if (json) out(JSON.stringify(report, null, 2));
    else for (const line of formatReport(report)) out(line);
    return 0;
  } catch (error) {
    out((error as Error).message);
    return 1;
  }
}
