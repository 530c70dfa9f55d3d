import type { ComponentContext } from '../../core/component.js';

/** At most one log line per refusal reason in this window; the rest are summed into the next line. */
export const REFUSAL_LOG_WINDOW_MS = 10_000;

export interface Refusal {
  /** Metric suffix: `refused_<reason>`. */
  readonly reason: string;
  readonly message: string;
  readonly remote: string | undefined;
  readonly origin: string | undefined;
  readonly host: string | undefined;
  readonly path: string;
}

/**
 * Counts every refused request (page, /metrics, /api/status, /ws) as `refused_<reason>` and logs it,
 * rate-limited per reason so a flood of bad requests cannot flood the log: the first refusal of a
 * reason is logged at once, later ones at most once per window, each line saying how many were not
 * logged since the last. Time comes from the context's scheduler, so tests run in virtual time.
 */
export class RefusalLog {
  private readonly lastLoggedMs = new Map<string, number>();
  private readonly unlogged = new Map<string, number>();

  constructor(private readonly context: ComponentContext) {}

  refuse(refusal: Refusal): void {
    this.context.metrics.count(`refused_${refusal.reason}`);
    const now = this.context.scheduler.now();
    const last = this.lastLoggedMs.get(refusal.reason);
    if (last !== undefined && now - last < REFUSAL_LOG_WINDOW_MS) {
      this.unlogged.set(refusal.reason, (this.unlogged.get(refusal.reason) ?? 0) + 1);
      return;
    }
    const suppressed = this.unlogged.get(refusal.reason) ?? 0;
    this.lastLoggedMs.set(refusal.reason, now);
    this.unlogged.delete(refusal.reason);
    const more = suppressed > 0 ? ` (${suppressed} more refused for this reason since the last such line)` : '';
    this.context.log.warn(
      { reason: refusal.reason, remote: refusal.remote, origin: refusal.origin, host: refusal.host, path: refusal.path, not_logged: suppressed },
      `live view: refused ${refusal.path}: ${refusal.message}${more}`,
    );
  }
}
