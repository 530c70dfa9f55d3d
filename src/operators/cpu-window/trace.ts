import { StringDictionary } from '../../core/records/dictionary.js';
import { type ColumnData, type Field, type RecordsBatch, type Schema, findField, isStringColumn, recordsBatch } from '../../core/batch.js';
import type { ComponentContext } from '../../core/component.js';
import { numberColumn, resolveTimeField } from '../../core/records/columns.js';
import { SWITCH_IN_EVENTS } from '../trace-recorder/event-ids.js';
import { CpuAccounting, type WindowRows, emptyRows } from './accounting.js';

/** Events after which their `context` runs: the switch-ins, and TRACE_START for the first context. */
const SWITCHES = new Set(['TRACE_START', ...SWITCH_IN_EVENTS]);

/** Whether a batch holds trace_recorder events: string `event` and `context` columns. */
export function isTraceRecords(batch: RecordsBatch): boolean {
  const event = batch.columns.event;
  const context = batch.columns.context;
  return event !== undefined && context !== undefined && isStringColumn(event) && isStringColumn(context);
}

/**
 * CPU windows from `trace_recorder` records: per context (task or ISR, named by the trace), its
 * runtime in each window and its share of the window. The context of a switch-in row is the one
 * switched in, so the outgoing one needs no event of its own. Each trace session has its own
 * accounting: a restart closes the open window as partial, since the new session's clock restarts.
 */
export class TraceCpuWindows {
  private accounting: CpuAccounting | undefined;
  private session = -1;
  /** Context names; a context's code is its task id in the accounting. */
  private readonly names = new StringDictionary();
  private timeField: Field | undefined;
  private source = 'cpu_window';

  constructor(
    private readonly windowNs: number,
    private readonly time: string | undefined,
    private readonly context: ComponentContext,
  ) {}

  step(records: RecordsBatch): RecordsBatch[] {
    this.source = records.source;
    this.timeField = resolveTimeField(records.schema, this.time ?? defaultTime(records.schema), 'cpu_window');
    const time = numberColumn(records, this.timeField.name, 'cpu_window');
    const event = records.columns.event as { codes: Int32Array; dictionary: readonly string[] };
    const contextColumn = records.columns.context as { codes: Int32Array; dictionary: readonly string[] };
    const session = records.columns.session !== undefined ? numberColumn(records, 'session', 'cpu_window') : undefined;
    const isSwitch = event.dictionary.map((name) => SWITCHES.has(name));
    // Context codes of this batch mapped to ids stable across batches (-1: not looked up yet).
    const contextIds = new Int32Array(contextColumn.dictionary.length).fill(-1);
    const out: RecordsBatch[] = [];
    let rows = emptyRows();
    for (let i = 0; i < records.length; i++) {
      const s = session === undefined ? 0 : session[i];
      if (s !== this.session) {
        if (this.accounting !== undefined) {
          this.accounting.finish(rows);
          this.push(out, rows, this.session);
          rows = emptyRows();
        }
        this.accounting = new CpuAccounting(this.windowNs);
        this.session = s;
      }
      const accounting = this.accounting!;
      const t = time[i];
      accounting.seen(t);
      if (!isSwitch[event.codes[i]]) continue;
      const code = contextColumn.codes[i];
      let id = contextIds[code];
      if (id < 0) id = contextIds[code] = this.names.code(contextColumn.dictionary[code]);
      const before = accounting.backwards;
      accounting.switchIn(t, id, rows);
      if (accounting.backwards > before) this.context.metrics.error('time_backwards');
    }
    this.push(out, rows, this.session);
    return out;
  }

  flush(): RecordsBatch[] {
    const out: RecordsBatch[] = [];
    if (this.accounting === undefined) return out;
    const rows = emptyRows();
    this.accounting.finish(rows);
    this.push(out, rows, this.session);
    this.accounting = undefined;
    return out;
  }

  private push(out: RecordsBatch[], rows: WindowRows, session: number): void {
    const n = rows.taskId.length;
    if (n === 0) return;
    const timeMeta = { type: 'f64' as const, unit: this.timeField?.unit ?? 'ns', ...(this.timeField?.time ? { time: this.timeField.time } : {}) };
    const fields: Field[] = [
      { name: 'window_start', ...timeMeta },
      { name: 'window_end', ...timeMeta },
      { name: 'context', type: 'string', description: 'task or ISR' },
      { name: 'runtime', type: 'f64', unit: timeMeta.unit, description: 'total time the context has run in this session' },
      { name: 'runtime_in_window', type: 'f64', unit: timeMeta.unit },
      { name: 'runtime_window', type: 'f64', unit: timeMeta.unit, description: 'real length of the window' },
      { name: 'cpu_utilization', type: 'f64', description: 'runtime_in_window / runtime_window; a window sums to 1' },
      { name: 'complete', type: 'u8', description: '1: closed by a switch-in; 0: partial, cut at a restart or the end of the stream' },
      { name: 'session', type: 'u32' },
    ];
    const columns: Record<string, ColumnData> = {
      window_start: Float64Array.from(rows.windowStart),
      window_end: Float64Array.from(rows.windowEnd),
      context: { codes: Int32Array.from(rows.taskId), dictionary: [...this.names.values] },
      runtime: Float64Array.from(rows.runtime),
      runtime_in_window: Float64Array.from(rows.runtimeInWindow),
      runtime_window: Float64Array.from(rows.runtimeWindow),
      cpu_utilization: Float64Array.from(rows.utilization),
      complete: Uint8Array.from(rows.complete),
      session: new Uint32Array(n).fill(session),
    };
    this.context.metrics.count('windows', new Set(rows.windowEnd).size);
    out.push(recordsBatch(this.source, fields, columns, n));
  }
}

/** t_ns when the trace has a timer frequency; otherwise the caller must name a time column. */
function defaultTime(schema: Schema): string | undefined {
  return findField(schema, 't_ns') ? 't_ns' : undefined;
}
