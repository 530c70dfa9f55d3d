import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectCommand } from '../../src/cli/inspect.js';
import { arrowSink } from '../../src/sinks/arrow.js';
import { parquetSink } from '../../src/sinks/parquet.js';
import { harvestBatch, record, scratchDirs } from '../sinks/recording/fixtures.js';

const scratch = scratchDirs();

async function run(argv: string[]): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await inspectCommand(argv, (line) => lines.push(line));
  return { code, text: lines.join('\n') };
}

describe('pipeline inspect', () => {
  it.each([
    ['parquet', parquetSink, 'x.parquet', 'UINTEGER'],
    ['arrow', arrowSink, 'x.arrows', 'Uint32'],
  ] as const)('reports %s schema, rows, time range, metadata, stats and head', async (_, sink, file, u32) => {
    const dir = scratch('inspect');
    const context = await record(sink, { path: file }, [harvestBatch(0, 600), harvestBatch(600, 400)], dir);
    const { code, text } = await run([path.join(dir, file), '--head', '2']);
    expect(code).toBe(0);
    expect(text).toContain('rows: 1000');
    expect(text).toMatch(new RegExp(`voltage_raw\\s+${u32}\\s+0\\s+999\\s+0`));
    expect(text).toMatch(/time \(time, host\): \d{4}-\d\d-\d\d /);
    // The device measured 9.99 ms (rows 10 us apart), whatever the host times say.
    expect(text).toContain('device time (t_device_ns): 0.000000 s .. 0.009990 s (0.00999 s of device time)');
    expect(text).toContain('pipeline.name: test');
    expect(text).toContain('software.version: telemetry-pipeline');
    const json = JSON.parse((await run([dir, '--json', '--head', '2'])).text);
    expect(json.rows).toBe(1000);
    expect(json.head).toHaveLength(2);
    expect(json.head[1].voltage_raw).toBe('1');
    const anchorSeconds = new Date(Number(context.clock.anchorWallNs / 1_000_000n)).toISOString().slice(0, 19).replace('T', ' ');
    expect(json.time_range.first.startsWith(anchorSeconds)).toBe(true);
    expect(json.device_time_range).toEqual({ column: 't_device_ns', first_ns: expect.stringMatching(/^0(\.0)?$/), last_ns: expect.stringMatching(/^9990000(\.0)?$/), span_s: 0.00999 });
    // Every key of the report is snake_case, as the rest of the project's JSON.
    const keys = (value: unknown): string[] => (value && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value).flatMap(([k, v]) => [k, ...(k === 'metadata' || k === 'head' ? [] : keys(v))]) : Array.isArray(value) ? value.flatMap(keys) : []);
    expect(keys(json).filter((k) => /[A-Z]/.test(k))).toEqual([]);
  });

  it('reads a partitioned directory as one dataset', async () => {
    const dir = scratch('inspect-hive');
    await record(parquetSink, { path: 'r.parquet', partition_by: ['node'] }, [harvestBatch(0, 2000, { nodeRun: 500 })], dir);
    const json = JSON.parse((await run([dir, '--json'])).text);
    expect(json.files).toHaveLength(2);
    expect(json.rows).toBe(2000);
    expect(json.columns.find((c: { name: string }) => c.name === 'node')).toMatchObject({ min: 'n1', max: 'n2' });
  });

  it('explains bad arguments and missing files', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['x', '--head', 'many'])).text).toMatch(/--head needs a whole number/);
    const missing = await run(['/nonexistent/recording.parquet']);
    expect(missing.code).toBe(1);
    expect(missing.text).toMatch(/does not exist/);
  });
});
