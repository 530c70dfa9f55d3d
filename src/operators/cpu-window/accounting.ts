/**
 * Per-task CPU accounting over measurement windows, with the semantics of the TraceRecorder plugin
 * for Modality: on a switch to another task, the outgoing task accrues the time since its own
 * switch-in (to its total runtime and to its runtime in the current window). A window is closed at
 * the first switch after it has lasted longer than the configured length, so its real length (not
 * the nominal one) is reported, and every task known so far gets a row: runtime_in_window,
 * runtime_window and cpu_utilization = runtime_in_window / runtime_window.
 */
export interface WindowRows {
  windowStart: number[];
  windowEnd: number[];
  taskId: number[];
  runtime: number[];
  runtimeInWindow: number[];
  runtimeWindow: number[];
  utilization: number[];
  complete: number[];
}

/** Empty output lists for one call of CpuAccounting. */
export function emptyRows(): WindowRows {
  return { windowStart: [], windowEnd: [], taskId: [], runtime: [], runtimeInWindow: [], runtimeWindow: [], utilization: [], complete: [] };
}

interface TaskStats {
  readonly id: number;
  /** When the task was last switched in. */
  lastIn: number;
  runtime: number;
  inWindow: number;
}

/** Task runtimes and the open measurement window, carried across batches. */
export class CpuAccounting {
  /** Tasks in order of first switch-in, so rows come out in a stable order. */
  private readonly tasks: TaskStats[] = [];
  private readonly byId = new Map<number, TaskStats>();
  private active: TaskStats | undefined;
  private windowStart = NaN;
  private lastTime = NaN;
  backwards = 0;

  constructor(private readonly windowNs: number) {}

  /** Notes the time of any record (switch or not), for the final partial window. */
  seen(t: number): void {
    if (!(t < this.lastTime)) this.lastTime = t;
  }

  /** A switch-in of `id` at time `t`; closed windows are appended to `rows`. */
  switchIn(t: number, id: number, rows: WindowRows): void {
    if (this.windowStart !== this.windowStart) this.windowStart = t;
    const active = this.active;
    if (active !== undefined && active.id === id) return;
    if (active !== undefined) {
      if (t < active.lastIn) {
        // Time went backwards: keep the switch, accrue nothing (the plugin does the same).
        this.backwards++;
      } else {
        const ran = t - active.lastIn;
        active.runtime += ran;
        active.inWindow += ran;
      }
    }
    let next = this.byId.get(id);
    if (next === undefined) {
      next = { id, lastIn: t, runtime: 0, inWindow: 0 };
      this.byId.set(id, next);
      this.tasks.push(next);
    }
    next.lastIn = t;
    this.active = next;
    const length = t - this.windowStart;
    if (length > this.windowNs) this.close(t, length, 1, rows);
  }

  /** At the end of the stream: closes the open window up to the last record's time, marked incomplete. */
  finish(rows: WindowRows): void {
    const end = this.lastTime;
    const length = end - this.windowStart;
    if (!(length > 0)) return;
    const active = this.active;
    if (active !== undefined && end > active.lastIn) {
      const ran = end - active.lastIn;
      active.runtime += ran;
      active.inWindow += ran;
      active.lastIn = end;
    }
    this.close(end, length, 0, rows);
  }

  private close(end: number, length: number, complete: number, rows: WindowRows): void {
    for (const task of this.tasks) {
      rows.windowStart.push(this.windowStart);
      rows.windowEnd.push(end);
      rows.taskId.push(task.id);
      rows.runtime.push(task.runtime);
      rows.runtimeInWindow.push(task.inWindow);
      rows.runtimeWindow.push(length);
      rows.utilization.push(task.inWindow / length);
      rows.complete.push(complete);
      task.inWindow = 0;
    }
    this.windowStart = end;
  }
}
