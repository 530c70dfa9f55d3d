import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { COMPONENTS } from '../../src/components.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { ROOT } from '../helpers/cli.js';
import { collected, collectSink } from '../helpers/components.js';
import { QemuTarget, rttFirmware } from '../helpers/qemu.js';
import { traceCommand } from '../helpers/rtt-firmware.js';
import { waitFor } from '../helpers/wait.js';
import { flatten } from '../operators/records-helpers.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from '../sinks/recording/fixtures.js';

/**
 * pipelines/freertos-rtt.yml (its source and transforms as shipped) against the test firmware in
 * QEMU: the firmware writes a TraceRecorder stream on a fixed schedule, the rtt source reads it
 * through the gdbstub, trace_recorder decodes it and cpu_window measures each task's share.
 */
const scratch = scratchDirs();

// The firmware README's schedule: shares of every 10 ms hyperperiod.
const SCHEDULE: Record<string, number> = { sensor: 0.4, radio: 0.1, logger: 0.05, IDLE: 0.45 };

describe('pipelines/freertos-rtt.yml on the QEMU test target', () => {
  const targets: QemuTarget[] = [];
  afterEach(async () => {
    for (const target of targets.splice(0)) await target.stop();
  });

  it('gives per-task CPU utilizations within 1 % of the firmware schedule, with no event lost', { timeout: 40_000 }, async () => {
    const qemu = new QemuTarget(rttFirmware());
    targets.push(qemu);
    await qemu.start();
    // 2.5 s of trace: four complete 500 ms windows, then the open one cut when the pipeline stops.
    const hyperperiods = 250;
    const events = 1 + 7 * hyperperiods;
    const dir = scratch('rtt-trace');
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, 'pipelines/freertos-rtt.yml'), 'utf8'));
    doc.setIn(['sources', 'target', 'address'], `127.0.0.1:${qemu.port}`);
    doc.setIn(['sources', 'target', 'backoff'], doc.createNode({ initial: '20ms', max: '200ms' }));
    doc.setIn(['sources', 'target', 'write', 'on_connect'], doc.createNode(traceCommand(hyperperiods)));
    doc.deleteIn(['sinks']);
    doc.setIn(['sinks', 'recording'], doc.createNode({ type: 'parquet', inputs: ['events'], path: 'trace.parquet' }));
    doc.setIn(['sinks', 'windows'], doc.createNode({ type: 'collect', inputs: ['cpu'], keep: true }));
    doc.setIn(['sinks', 'last'], doc.createNode({ type: 'collect', inputs: ['events'], keep: true }));

    const runner = new Runner(loadPipelineText(doc.toString(), new Registry([...COMPONENTS, collectSink])), { log: silentLogger, dataDir: dir });
    const done = runner.run();
    const lastCount = () => {
      const batches = collected.get('last')?.batches ?? [];
      const rows = batches.length > 0 ? flatten([batches.at(-1)!]) : {};
      return Number(rows.count?.at(-1) ?? 0);
    };
    await waitFor(() => lastCount() === events, `all ${events} trace events`, 30_000);
    runner.stop();
    const result = await done;
    expect(result.reason, result.error?.message).toBe('stopped');

    // Every event arrived once, counted from 1 without a gap, in one session.
    expect(filesEndingWith(dir, '.parquet')).toHaveLength(1);
    await withDuckDB(async (db) => {
      const [got] = await query(db, `SELECT count(*)::INTEGER AS n, min("count")::INTEGER AS first, max("count")::INTEGER AS last,
        sum(dropped)::INTEGER AS dropped, count(DISTINCT session)::INTEGER AS sessions,
        count(*) FILTER (WHERE event = 'TASK_ACTIVATE')::INTEGER AS switches FROM '${dir}/trace.parquet'`);
      expect(got).toEqual({ n: events, first: 1, last: events, dropped: 0, sessions: 1, switches: events - 1 });
    });
    const metrics = Object.fromEntries(runner.metrics.snapshot().map((m) => [m.id, m]));
    expect(metrics['events/trace_recorder'].counters.dropped_events ?? 0).toBe(0);
    expect(metrics['events/trace_recorder'].errors).toEqual({});

    // Windows by their end: each one's rows, one per task.
    const rows = flatten(collected.get('windows')!.batches);
    const windows = new Map<number, { complete: number; shares: Record<string, number> }>();
    rows.window_end.forEach((end, i) => {
      const w = windows.get(end as number) ?? { complete: rows.complete[i] as number, shares: {} };
      w.shares[rows.context[i] as string] = rows.cpu_utilization[i] as number;
      windows.set(end as number, w);
    });
    const complete = [...windows.values()].filter((w) => w.complete === 1);
    expect(complete).toHaveLength(4);
    expect(windows.size).toBe(5);
    for (const w of windows.values()) {
      expect(Object.values(w.shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
    for (const w of complete) {
      expect(Object.keys(w.shares).sort()).toEqual(Object.keys(SCHEDULE).sort());
      for (const [task, share] of Object.entries(SCHEDULE)) expect(Math.abs(w.shares[task] - share), `${task}: ${w.shares[task]}`).toBeLessThanOrEqual(0.01);
    }
  });
});
