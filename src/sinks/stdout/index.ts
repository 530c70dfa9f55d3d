import { rx } from '../../core/rx.js';
import { z } from 'zod';
import { itemCount } from '../../core/batch.js';
import { required } from '../../core/capabilities.js';
import { defineSink } from '../../core/component.js';
import { duration } from '../../core/options.js';
import { batchRows, rowToJson } from './rows.js';
import { TableRows } from './table.js';
import { standardOutput } from './output.js';
import { SummaryLine } from './summary.js';

const options = z.strictObject({
  format: z
    .enum(['summary', 'jsonl', 'table'])
    .default('summary')
    .meta({ description: 'summary: one status line per interval (rates, errors, drops per component); jsonl: every record as a JSON line, for jq; table: the rows that arrived since the previous update, each printed once (nothing when none arrived; the newest `rows` when more did), times readable.', examples: ['summary'] }),
  every: duration().default(1000).meta({ description: 'Interval of summary lines and table updates.', examples: ['1s'] }),
  columns: z.array(z.string()).optional().meta({ description: 'Columns to print (jsonl, table); all by default.', examples: [['seq', 'voltage']] }),
  rows: z.number().int().min(1).default(5).meta({ description: 'At most this many rows per table update (the newest; a line says how many earlier ones were left out).', examples: [10] }),
});

/**
 * Prints status lines, records as JSON lines, or a table to stdout; waits for the terminal or pipe to
 * drain. When the reader goes away (EPIPE) the sink stops printing, logs it once, counts it
 * (`output_closed`, then `discarded_items`) and goes on without failing the run. Any other write
 * error (a full disk behind a redirect) fails the sink, naming standard output.
 */
export const stdoutSink = defineSink({
  type: 'stdout',
  metrics: { errors: { output_closed: 'events', output_write_failed: 'events' }, counters: { discarded_items: 'items' } },
  summary: 'Status lines, JSON lines or a table on standard output.',
  options,
  input: ['bytes', 'frames', 'records'],
  defaultWhenFull: 'block',
  capabilities: { status: true },
  create(o, context) {
    const out = standardOutput();
    out.onReaderGone(() => {
      context.metrics.error('output_closed');
      context.log.warn('standard output was closed by its reader (EPIPE): this sink stops printing; the other sinks go on');
    });
    let failure: Error | undefined;
    const write = async (text: string): Promise<boolean> => {
      try {
        return await out.write(text);
      } catch (error) {
        if (!failure) context.metrics.error('output_write_failed');
        failure ??= new Error(`${context.id}: ${(error as Error).message}`, { cause: error });
        throw failure;
      }
    };
    const table = o.format === 'table' ? new TableRows(context.clock, o.rows, o.columns) : undefined;
    const summary = new SummaryLine(required(context.status, context.id, '`status: true`'));
    // A timer's failure is kept and thrown by the next write or the close.
    const tick = () => {
      if (o.format === 'summary') write(summary.next() + '\n').catch(() => undefined);
      else if (table) {
        const text = table.take();
        if (text) write(text).catch(() => undefined);
      }
    };
    const timer = o.format === 'jsonl' ? undefined : rx().interval(o.every, context.scheduler).subscribe(tick);
    return {
      async write(batch) {
        if (failure) throw failure;
        if (out.closed) return context.metrics.count('discarded_items', itemCount(batch));
        if (table) return table.add(batch);
        if (o.format === 'summary') return;
        const rows = batchRows(batch, context.clock, o.columns);
        if (rows.length > 0 && !(await write(rows.map(rowToJson).join('\n') + '\n'))) context.metrics.count('discarded_items', itemCount(batch));
      },
      async close() {
        timer?.unsubscribe();
        if (failure) throw failure;
        // A last line so a short run still shows its totals.
        if (o.format === 'summary') await write(summary.next() + '\n');
        // Rows that arrived after the last update are still shown once.
        const rest = table?.take();
        if (rest) await write(rest);
      },
    };
  },
  examples: [{ title: 'A table of the latest rows, refreshed every second', yaml: `
sources: { node: { type: simulator, emit: records } }
sinks: { console: { type: stdout, inputs: [node], format: table, columns: [seq, voltage_raw, current_raw], rows: 5, every: 1s } }
` }],
});
