import { once } from 'node:events';
import { interval } from 'rxjs';
import { z } from 'zod';
import type { Batch } from '../../core/batch.js';
import { defineSink } from '../../core/component.js';
import { duration } from '../../core/options.js';
import { batchRows, renderTable, rowToJson } from './rows.js';
import { SummaryLine } from './summary.js';

const options = z.strictObject({
  format: z
    .enum(['summary', 'jsonl', 'table'])
    .default('summary')
    .meta({ description: 'summary: one status line per interval (rates, errors, drops per component); jsonl: every record as a JSON line, for jq; table: the latest rows each interval.', examples: ['summary'] }),
  every: duration().default(1000).meta({ description: 'Interval of summary lines and table updates.', examples: ['1s'] }),
  columns: z.array(z.string()).optional().meta({ description: 'Columns to print (jsonl, table); all by default.', examples: [['seq', 'voltage']] }),
  rows: z.number().int().min(1).default(5).meta({ description: 'Rows per table update.', examples: [10] }),
});

/** Prints status lines, records as JSON lines, or a table to stdout; waits for the terminal or pipe to drain. */
export const stdoutSink = defineSink({
  type: 'stdout',
  summary: 'Status lines, JSON lines or a table on standard output.',
  options,
  input: ['bytes', 'frames', 'records'],
  defaultWhenFull: 'block',
  create(o, context) {
    const out = process.stdout;
    const write = async (text: string) => {
      if (text && !out.write(text)) await once(out, 'drain');
    };
    let latest: Batch | undefined;
    const summary = new SummaryLine(context.registry);
    const tick = () => {
      if (o.format === 'summary') void write(summary.next() + '\n');
      else if (o.format === 'table' && latest) void write(renderTable(batchRows(latest, context.clock, o.columns, o.rows)));
    };
    const timer = o.format === 'jsonl' ? undefined : interval(o.every, context.scheduler).subscribe(tick);
    return {
      async write(batch) {
        if (o.format !== 'jsonl') {
          latest = batch;
          return;
        }
        const rows = batchRows(batch, context.clock, o.columns);
        if (rows.length > 0) await write(rows.map(rowToJson).join('\n') + '\n');
      },
      async close() {
        timer?.unsubscribe();
        // A last line so a short run still shows its totals.
        if (o.format === 'summary') await write(summary.next() + '\n');
      },
    };
  },
  examples: [{ title: 'A table of the latest rows, refreshed every second', yaml: `
sources: { node: { type: simulator, emit: records } }
sinks: { console: { type: stdout, inputs: [node], format: table, columns: [seq, voltage_raw, current_raw], rows: 5, every: 1s } }
` }],
});
