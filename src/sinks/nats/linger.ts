import type { SchedulerLike, Subscription } from 'rxjs';
import { type RecordsBatch, byteSize } from '../../core/batch.js';
import { canJoin, joinRecords } from '../../core/records/join.js';

interface Run {
  readonly batches: RecordsBatch[];
  bytes: number;
  timer: Subscription | undefined;
}

/**
 * Batches a nats sink holds, per batch source, to publish them as one larger message: a node at the
 * testbed rate writes about 1,000 rows every 10 ms, and each message costs an Arrow IPC encoding, a
 * publish with its acknowledgement and a message on the central side, whatever its size. A run of
 * joinable batches (same columns, see core/records/join.ts) is due once it holds `targetBytes`, or
 * `lingerMs` after its first batch came (then `onDue` gets it), whichever is first; a batch that
 * cannot join the run makes the run due first, so rows keep their order. Held rows are like rows in
 * the runner's queue in front of the sink: `sync` and `close` take them at once.
 */
export class Linger {
  private readonly runs = new Map<string, Run>();

  constructor(
    private readonly targetBytes: number,
    private readonly lingerMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly onDue: (batch: RecordsBatch) => void,
  ) {}

  /** Holds `batch`; returns the batches due now, in order (with `lingerMs` 0, the batch itself). */
  add(batch: RecordsBatch): RecordsBatch[] {
    if (this.lingerMs <= 0) return [batch];
    const due: RecordsBatch[] = [];
    let run = this.runs.get(batch.source);
    if (run !== undefined && !canJoin(run.batches[run.batches.length - 1], batch)) {
      due.push(this.take(batch.source)!);
      run = undefined;
    }
    if (run === undefined) {
      run = { batches: [], bytes: 0, timer: undefined };
      this.runs.set(batch.source, run);
    }
    run.batches.push(batch);
    run.bytes += byteSize(batch);
    if (run.bytes >= this.targetBytes) due.push(this.take(batch.source)!);
    else
      run.timer ??= this.scheduler.schedule(() => {
        const held = this.take(batch.source);
        if (held !== undefined) this.onDue(held);
      }, this.lingerMs);
    return due;
  }

  /** Every held run, joined, and nothing held any more. */
  takeAll(): RecordsBatch[] {
    return [...this.runs.keys()].map((source) => this.take(source)!);
  }

  private take(source: string): RecordsBatch | undefined {
    const run = this.runs.get(source);
    if (run === undefined) return undefined;
    this.runs.delete(source);
    run.timer?.unsubscribe();
    return joinRecords(run.batches);
  }
}
