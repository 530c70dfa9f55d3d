import fs from 'node:fs';
import path from 'node:path';
import { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSource } from '../../src/core/component.js';
import { loadPipelineText } from '../../src/core/config/load.js';
import { silentLogger } from '../../src/core/log.js';
import { Registry } from '../../src/core/registry.js';
import { Runner } from '../../src/core/runner/runner.js';
import { arrowSink } from '../../src/sinks/arrow.js';
import { parquetSink } from '../../src/sinks/parquet.js';
import { filesEndingWith, harvestBatch, query, scratchDirs, withDuckDB } from '../sinks/recording/fixtures.js';

/** A records source for runner tests: `batches` batches of `rows` harvest rows, honoring pause/resume. */
const harvestRecords = defineSource({
  type: 'harvest_records',
  summary: 'Emits harvest-like records batches (recording tests).',
  options: z.strictObject({
    batches: z.number().int().positive().meta({ description: 'Number of batches.', examples: [10] }),
    rows: z.number().int().positive().meta({ description: 'Rows per batch.', examples: [1000] }),
  }),
  output: 'records',
  create: (options, context) =>
    new Observable((subscriber) => {
      void (async () => {
        for (let i = 0; i < options.batches && !context.signal.aborted; i++) {
          await context.flow.whenResumed();
          subscriber.next(harvestBatch(i * options.rows, options.rows, { tickBase: 2 ** 32 - 5 * options.rows }));
          await new Promise((resolve) => setImmediate(resolve));
        }
        subscriber.complete();
      })();
    }),
});

const registry = new Registry([harvestRecords, parquetSink, arrowSink]);
const scratch = scratchDirs();

const PIPELINE = `name: harvest
sources:
  node: { type: harvest_records, batches: 40, rows: 2500 }
sinks:
  recording: { type: parquet, inputs: [node], path: "recordings/{name}-{seq}.parquet", rotate: { max_bytes: 4KB }, row_group_size: 2000 }
  stream: { type: arrow, inputs: [node], path: "recordings/{name}.arrows" }
`;

describe('recording sinks in a running pipeline', () => {
  it('record every row, rotating, with the pipeline file inside', async () => {
    const dir = scratch('e2e-recording');
    const runner = new Runner(loadPipelineText(PIPELINE, registry), { log: silentLogger, dataDir: dir });
    const result = await runner.run();
    expect(result.reason).toBe('completed');
    expect(runner.metrics.get('recording')!.itemsIn).toBe(100_000);
    const files = filesEndingWith(path.join(dir, 'recordings'), '.parquet');
    expect(files.length).toBeGreaterThanOrEqual(2);
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT count(*)::INTEGER AS n, sum(voltage_raw)::BIGINT AS raw, count(DISTINCT t_ticks)::INTEGER AS ticks FROM '${dir}/recordings/*.parquet'`);
      expect(row).toEqual({ n: 100_000, raw: BigInt((100_000 * 99_999) / 2), ticks: 100_000 });
      const [config] = await query(db, `SELECT decode(value) AS text FROM parquet_kv_metadata('${files[0]}') WHERE decode(key) = 'pipeline.config'`);
      expect(config.text).toBe(PIPELINE);
    });
    expect(fs.existsSync(path.join(dir, 'recordings', 'harvest.arrows'))).toBe(true);
  });

  it('stop the pipeline with an error naming the file when it cannot be written', async () => {
    const dir = scratch('e2e-recording-fail');
    fs.writeFileSync(path.join(dir, 'recordings'), 'a file where the directory should be');
    // Only the parquet sink, so the failure reported is its own.
    const parquetOnly = PIPELINE.split('\n').filter((line) => !line.includes('type: arrow')).join('\n');
    const runner = new Runner(loadPipelineText(parquetOnly, registry), { log: silentLogger, dataDir: dir });
    const result = await runner.run();
    expect(result.reason).toBe('failed');
    expect(result.error?.message).toMatch(/recording/);
    expect(result.error?.message).toContain(path.join(dir, 'recordings', 'harvest-0001.parquet'));
    expect(runner.metrics.get('recording')!.errors.get('write_failed_rows')).toBeGreaterThan(0);
  });
});
