import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { standaloneContext } from '../../../src/core/standalone.js';
import { parquetSink } from '../../../src/sinks/parquet.js';
import { filesEndingWith, harvestBatch, query, scratchDirs, withDuckDB } from './fixtures.js';

const CHILD = path.join(import.meta.dirname, 'writer-child.ts');
const children: ChildProcess[] = [];
const scratch = scratchDirs();

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
});

/** Starts writer-child.ts in kill mode and kills it (SIGKILL) once `durableRows` rows are durable. */
async function killedWriter(dir: string, durableRows: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'kill', dir, 'parquet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let durable = 0;
  for await (const line of readline.createInterface({ input: child.stdout! })) {
    const match = /^handed (\d+) durable (\d+)$/.exec(line);
    if (match) durable = Number(match[2]);
    if (durable >= durableRows) break;
  }
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
  return durable;
}

const OPTIONS = { path: 'rec/{name}-{seq}.parquet', flush_interval: '100ms' };

describe('recording sink start after a crash', () => {
  it('completes the killed run\'s journal itself and says exactly which key values it holds', async () => {
    const dir = scratch('resume');
    const durable = await killedWriter(dir, 20_000);
    expect(filesEndingWith(dir, '.journal').length).toBe(1);
    const marker = fs.readdirSync(path.join(dir, 'rec')).filter((f) => f.endsWith('.unclean'));
    expect(marker.length).toBe(1);

    // The same sink (same pipeline name and id) starting again, as a restarted pipeline would.
    const context = standaloneContext('recording', { dataDir: dir, kind: 'sink', type: 'parquet' });
    const sink = await parquetSink.create(parquetSink.options.parse(OPTIONS), context);
    expect(filesEndingWith(dir, '.journal')).toEqual([]);
    expect(context.metrics.counters.get('leftovers_completed')).toBe(1);
    const inFiles = await withDuckDB((db) => query(db, `SELECT voltage_raw::BIGINT AS v FROM read_parquet('${dir}/rec/*.parquet') ORDER BY 1`));
    expect(inFiles.length).toBeGreaterThanOrEqual(durable);

    // voltage_raw is the row number: one row per value, every value of the recovered file and no other.
    const held = await sink.recorded!({ column: 'voltage_raw', from: 0, to: 10_000_000 });
    expect(held.size).toBe(inFiles.length);
    expect([...held.keys()].sort((a, b) => a - b)).toEqual(inFiles.map((r) => Number(r.v)));
    expect([...held.values()].every((n) => n === 1)).toBe(true);
    const window = await sink.recorded!({ column: 'voltage_raw', from: 100, to: 199 });
    expect([...window.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    // A column no file has: nothing is held.
    expect((await sink.recorded!({ column: 'stream_seq', from: 0, to: 10 })).size).toBe(0);

    // A clean stop removes the marker: the next start holds nothing back.
    await sink.write(harvestBatch(5_000_000, 10));
    await sink.close();
    expect(fs.readdirSync(path.join(dir, 'rec')).filter((f) => f.endsWith('.unclean'))).toEqual([]);
    const next = await parquetSink.create(parquetSink.options.parse(OPTIONS), standaloneContext('recording', { dataDir: dir, kind: 'sink', type: 'parquet' }));
    expect((await next.recorded!({ column: 'voltage_raw', from: 0, to: 10_000_000 })).size).toBe(0);
    await next.close();
  }, 120_000);

  it('leaves the leftovers of another sink alone and does not count its rows as its own', async () => {
    const dir = scratch('resume-other');
    await killedWriter(dir, 5_000);
    const other = standaloneContext('other', { dataDir: dir, kind: 'sink', type: 'parquet' });
    const sink = await parquetSink.create(parquetSink.options.parse(OPTIONS), other);
    expect(filesEndingWith(dir, '.journal').length).toBe(1);
    // Complete the first sink's file so a complete Parquet file of another sink lies in the directory.
    const first = await parquetSink.create(parquetSink.options.parse(OPTIONS), standaloneContext('recording', { dataDir: dir, kind: 'sink', type: 'parquet' }));
    await first.close();
    expect(filesEndingWith(dir, '.parquet').length).toBe(1);
    // Writing marks 'other' as not stopped cleanly since now; the other sink's fresh file is still not its own.
    await sink.write(harvestBatch(9_000_000, 10));
    expect((await sink.recorded!({ column: 'voltage_raw', from: 0, to: 10_000_000 })).size).toBe(0);
    await sink.close();
  }, 120_000);
});
