import type { MetricsDeclaration } from '../../core/metrics.js';

/**
 * What a recording sink counts. `write_failed_rows` is rows whose file could not be written (the
 * sink driver's `write_failed` counts batches, when a lossy sink's write throws).
 */
export const RECORDING_METRICS = {
  errors: { write_failed_rows: 'rows', partition_limit_rows: 'rows' },
  counters: { schema_changes: 'events', files_closed: 'files', files_evicted: 'files' },
  gauges: { durable_rows: 'rows' },
} as const satisfies MetricsDeclaration;

/** What a recording sink counts when it completes the leftovers of an earlier run at start (resume.ts). */
export const RESUME_METRICS = { errors: { marker_failed: 'events' }, counters: { leftovers_completed: 'files' } } as const satisfies MetricsDeclaration;
