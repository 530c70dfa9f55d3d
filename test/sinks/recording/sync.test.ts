import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { standaloneContext } from '../../../src/core/standalone.js';
import { arrowSink } from '../../../src/sinks/arrow.js';
import { parquetSink } from '../../../src/sinks/parquet.js';
import { filesEndingWith, harvestBatch, query, scratchDirs, withDuckDB } from './fixtures.js';

const scratch = scratchDirs();

async function open(definition: typeof parquetSink | typeof arrowSink, dir: string, options: Record<string, unknown>) {
  const context = standaloneContext(definition.type, { dataDir: dir, kind: 'sink', type: definition.type });
  // No periodic sync during the test: only sync() can make the rows durable.
  const sink = await definition.create(definition.options.parse({ flush_interval: '1h', ...options }) as never, context);
  return { sink, context };
}

async function parquetRows(files: string[]): Promise<number> {
  return withDuckDB(async (db) => {
    const [row] = await query(db, `SELECT count(*)::INTEGER AS n FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}])`);
    return row.n as number;
  });
}

describe('recording sink sync', () => {
  it('parquet: makes the journal cover every row written before it, as a kill right after would find', async () => {
    const dir = scratch('sync-journal');
    const { sink, context } = await open(parquetSink, dir, { path: 'live.parquet' });
    for (let i = 0; i < 5; i++) await sink.write(harvestBatch(i * 3000, 3000));
    await sink.sync!();
    expect(context.metrics.gauges.get('durable_rows')).toBe(15_000);
    // What is on disk now, read as after a kill -9 (an IPC stream without its end marker), by apache-arrow.
    const { RecordBatchReader } = await import('apache-arrow');
    let rows = 0;
    for (const b of RecordBatchReader.from(fs.readFileSync(path.join(dir, 'live.parquet.journal')))) rows += b.numRows;
    expect(rows).toBe(15_000);
    await sink.close();
  });

  it('parquet without a journal: closes the open files, since only a closed file is durable', async () => {
    const dir = scratch('sync-nojournal');
    const { sink, context } = await open(parquetSink, dir, { path: 'rec.parquet', journal: false });
    await sink.write(harvestBatch(0, 1000));
    await sink.sync!();
    expect(context.metrics.counters.get('files_closed')).toBe(1);
    expect(await parquetRows(filesEndingWith(dir, '.parquet'))).toBe(1000);
    await sink.write(harvestBatch(1000, 500));
    await sink.close();
    expect(await parquetRows(filesEndingWith(dir, '.parquet'))).toBe(1500);
  });

  it('arrow: syncs the stream, which is its own journal', async () => {
    const dir = scratch('sync-arrow');
    const { sink, context } = await open(arrowSink, dir, { path: 'live.arrows' });
    await sink.write(harvestBatch(0, 2000));
    await sink.sync!();
    expect(context.metrics.gauges.get('durable_rows')).toBe(2000);
    await sink.close();
  });

  it('fails when the file could not be written', async () => {
    const dir = scratch('sync-fail');
    const { sink } = await open(parquetSink, dir, { path: 'sub/rec.parquet' });
    // A file where the directory should be: the file cannot be created.
    fs.writeFileSync(path.join(dir, 'sub'), 'not a directory');
    await Promise.resolve(sink.write(harvestBatch(0, 100))).catch(() => undefined);
    await expect(sink.sync!()).rejects.toThrow(/sub/);
    await sink.close().catch(() => undefined);
  });
});
