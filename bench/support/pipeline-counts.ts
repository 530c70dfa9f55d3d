import type { ComponentSnapshot } from '../../src/core/metrics.js';

/** What a harvest run did, in the units the peers report. */
export interface PipelineCounts {
  readonly bytesIn: number;
  readonly framesGood: number;
  readonly framesBad: number;
  readonly samples: number;
}

/**
 * Reads the counts from run-pipeline.mjs's output: bytes out of the sources, frames out of the last
 * frames step (crc, else frame), CRC failures counted by any component, rows into the sinks (the
 * first sink: every harvest bench pipeline has one).
 */
export function pipelineCounts(result: Record<string, unknown>): PipelineCounts {
  const metrics = (result.metrics ?? []) as ComponentSnapshot[];
  if (result.reason === 'failed' || metrics.length === 0) throw new Error(`pipeline run failed: ${String(result.error ?? 'no metrics printed')}`);
  const byType = (type: string) => metrics.filter((m) => m.type === type);
  const framesStep = byType('crc')[0] ?? byType('frame')[0];
  return {
    bytesIn: metrics.filter((m) => m.kind === 'source').reduce((n, m) => n + m.bytes_out, 0),
    framesGood: framesStep?.items_out ?? 0,
    framesBad: metrics.reduce((n, m) => n + (m.errors.crc ?? 0), 0),
    samples: metrics.find((m) => m.kind === 'sink')?.items_in ?? 0,
  };
}
