import { z } from 'zod';
import { type Field, type RecordsBatch } from '../core/batch.js';
import { type SchemaProblem, defineOperator } from '../core/component.js';
import { type NumberColumn, type OutputColumn, numberColumn, resolveTimeField, withColumns } from '../core/records/columns.js';
import { bySource, operate } from './operate.js';
import { needColumn, needTimeColumn, withFields } from './schema.js';

const UNIT_NS = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 } as const;
const unit = z.enum(['ns', 'us', 'ms', 's']);
const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*$/);

const options = z.strictObject({
  sent: name.optional().meta({ description: 'Column with the send time (device time). Default: the first device-time column.', examples: ['t_sent_us', 't_device_ns'] }),
  arrival: name.optional().meta({ description: 'Column with the arrival time (host time). Default: the first host-time column.', examples: ['host_time_ns'] }),
  sent_unit: unit.default('ns').meta({ description: 'Unit of the send-time column.', examples: ['ns', 'us'] }),
  arrival_unit: unit.default('ns').meta({ description: 'Unit of the arrival-time column.', examples: ['ns'] }),
  seq: name.optional().meta({ description: 'Sequence-number column (already unwrapped); enables loss and out-of-order counts the way iperf3 counts them.', examples: ['seq'] }),
  jitter_unit: unit.default('ms').meta({ description: 'Unit of the jitter column (iperf3 reports ms).', examples: ['ms', 'us'] }),
  jitter_as: name.default('jitter').meta({ description: 'Name of the running RFC 3550 interarrival-jitter column (float64).', examples: ['jitter'] }),
  lost_as: name.default('lost').meta({ description: 'Name of the running lost-packet count column (u32), with seq.', examples: ['lost'] }),
  out_of_order_as: name.default('out_of_order').meta({ description: 'Name of the running out-of-order count column (u32), with seq.', examples: ['out_of_order'] }),
});

/**
 * `jitter`: RFC 3550 interarrival jitter as a running column, in arrival order: transit = arrival -
 * sent, D = transit - previous transit, J += (|D| - J) / 16, the first record seeding the previous
 * transit. With a sequence column, loss and out-of-order are counted as iperf3 does: a forward jump
 * adds the skipped numbers to the loss; a late (or repeated) number counts as out of order and, if
 * loss is above zero, takes one back from it.
 *
 * @example
 * ```yaml
 * - { type: jitter, sent: t_sent_us, sent_unit: us, arrival: host_time_ns, seq: seq }
 * ```
 */
export const jitter = defineOperator({
  type: 'jitter',
  metrics: { counters: { out_of_order: 'rows' }, gauges: { jitter_ns: 'ns', lost: 'rows' } },
  summary: 'RFC 3550 interarrival jitter as a running column; iperf3-style loss and out-of-order counts from a sequence column.',
  options,
  input: 'records',
  output: 'records',
  schema(opts, input, problem) {
    if (!input) return undefined;
    needTimeOf(input, opts.sent, 'device', problem);
    needTimeOf(input, opts.arrival, 'host', problem);
    if (opts.seq !== undefined) needColumn(input, opts.seq, ['seq'], problem);
    return withFields(input, outputFields(opts));
  },
  create(opts, context) {
    const sentScale = UNIT_NS[opts.sent_unit];
    const arrivalScale = UNIT_NS[opts.arrival_unit];
    const unitNs = UNIT_NS[opts.jitter_unit];

    // Jitter and loss are per stream: transit times of two devices have nothing to do with each other.
    return operate({
      input: 'records',
      streamKey: bySource,
      metrics: context.metrics,
      state: () => ({ jitter: new Rfc3550Jitter(), loss: new SequenceLoss() }),
      next(records: RecordsBatch, emit, stream) {
        const sentField = resolveTimeFieldOf(records, opts.sent, 'device');
        const arrivalField = resolveTimeFieldOf(records, opts.arrival, 'host');
        const sent = numberColumn(records, sentField.name);
        const arrival = numberColumn(records, arrivalField.name);
        const seq = opts.seq !== undefined ? numberColumn(records, opts.seq) : undefined;
        const n = records.length;
        const jitterOut = new Float64Array(n);
        stream.jitter.run(sent, sentScale, arrival, arrivalScale, n, jitterOut, unitNs);
        context.metrics.gauge('jitter_ns', stream.jitter.j);
        const lostOut = seq ? new Uint32Array(n) : undefined;
        const oooOut = seq ? new Uint32Array(n) : undefined;
        if (seq && lostOut && oooOut) {
          const lateBefore = stream.loss.outOfOrder;
          stream.loss.run(seq, n, lostOut, oooOut);
          // Loss can shrink (a late packet was counted lost), so it is a gauge, not a counter.
          context.metrics.gauge('lost', stream.loss.lost);
          if (stream.loss.outOfOrder !== lateBefore) context.metrics.count('out_of_order', stream.loss.outOfOrder - lateBefore);
        }
        const [jitterField, lostField, oooField] = outputFields(opts);
        const changes: OutputColumn[] = [{ field: jitterField, data: jitterOut }];
        if (lostOut && oooOut) {
          changes.push({ field: lostField, data: lostOut });
          changes.push({ field: oooField, data: oooOut });
        }
        emit(withColumns(records, changes));
      },
    });
  },
  examples: [{ title: 'RFC 3550 jitter and loss of timestamped UDP packets', yaml: `
sources: { net: { type: udp, host: 127.0.0.1, port: 5201 } }
transforms:
  packets:
    inputs: [net]
    steps:
      - { type: decode, fields: [ { name: sec, type: u32be, offset: 0 }, { name: usec, type: u32be, offset: 4 }, { name: seq, type: u32be, offset: 8 } ] }
      - { type: derive, fields: { t_sent_us: "sec * 1000000 + usec" } }
      - { type: jitter, sent: t_sent_us, sent_unit: us, arrival: host_time, seq: seq, jitter_unit: ms }
sinks: { console: { type: stdout, inputs: [packets], format: table, columns: [seq, jitter, lost, out_of_order], rows: 1, every: 1s } }
` }],
});

/** The jitter column, then the loss and out-of-order columns when there is a sequence column. */
function outputFields(opts: z.output<typeof options>): Field[] {
  const fields: Field[] = [{ name: opts.jitter_as, type: 'f64', unit: opts.jitter_unit, description: 'RFC 3550 interarrival jitter' }];
  if (opts.seq !== undefined) {
    fields.push({ name: opts.lost_as, type: 'u32', description: 'packets lost so far (iperf3 semantics)' });
    fields.push({ name: opts.out_of_order_as, type: 'u32', description: 'packets out of order so far' });
  }
  return fields;
}

/** As resolveTimeFieldOf, at validate time. */
function needTimeOf(input: readonly Field[], name: string | undefined, base: 'device' | 'host', problem: SchemaProblem): Field | undefined {
  const key = base === 'device' ? 'sent' : 'arrival';
  if (name !== undefined) return needTimeColumn(input, name, [key], problem);
  const field = input.find((f) => f.time === base);
  if (!field) problem([key], `no ${base}-time column; name it with the "${key}" option`);
  return field;
}

function resolveTimeFieldOf(records: RecordsBatch, name: string | undefined, base: 'device' | 'host'): Field {
  if (name !== undefined) return resolveTimeField(records.schema, name);
  const field = records.schema.fields.find((f) => f.time === base);
  if (!field) throw new Error(`no ${base}-time column; name it with the "${base === 'device' ? 'sent' : 'arrival'}" option`);
  return field;
}

/** RFC 3550 section 6.4.1 interarrival jitter, carried across batches. */
class Rfc3550Jitter {
  private started = false;
  private prevTransit = 0;
  /** Current jitter estimate, ns. */
  j = 0;

  /** Writes the running jitter after each record into `out`, in units of `unitNs`. */
  run(sent: NumberColumn, sentScale: number, arrival: NumberColumn, arrivalScale: number, n: number, out: Float64Array, unitNs: number): void {
    if (n === 0) return;
    let i = 0;
    if (!this.started) {
      // The first record seeds the previous transit time; the jitter stays 0.
      this.started = true;
      this.prevTransit = arrival[0] * arrivalScale - sent[0] * sentScale;
      out[0] = this.j / unitNs;
      i = 1;
    }
    let prev = this.prevTransit;
    let j = this.j;
    for (; i < n; i++) {
      const transit = arrival[i] * arrivalScale - sent[i] * sentScale;
      const d = transit - prev;
      prev = transit;
      // J += (|D| - J) / 16; multiplying by 1/16 is exact.
      j += ((d < 0 ? -d : d) - j) * 0.0625;
      out[i] = unitNs === 1 ? j : j / unitNs;
    }
    this.prevTransit = prev;
    this.j = j;
  }
}

/**
 * Loss and out-of-order counts as iperf3 keeps them: a number above the highest seen adds the
 * skipped numbers to the loss; any other (late or repeated) counts as out of order and takes one
 * back from the loss while it is above zero. The first record seeds the highest number.
 */
class SequenceLoss {
  private started = false;
  private highest = 0;
  lost = 0;
  outOfOrder = 0;

  run(seq: NumberColumn, n: number, lostOut: Uint32Array, oooOut: Uint32Array): void {
    if (n === 0) return;
    let i = 0;
    if (!this.started) {
      this.started = true;
      this.highest = seq[0];
      i = 1;
    }
    let { highest, lost, outOfOrder } = this;
    for (; i < n; i++) {
      const s = seq[i];
      if (s > highest) {
        lost += s - highest - 1;
        highest = s;
      } else {
        outOfOrder++;
        if (lost > 0) lost--;
      }
      lostOut[i] = lost;
      oooOut[i] = outOfOrder;
    }
    this.highest = highest;
    this.lost = lost;
    this.outOfOrder = outOfOrder;
  }
}
