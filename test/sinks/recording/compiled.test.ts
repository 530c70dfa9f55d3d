import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { query, withDuckDB } from './fixtures.js';

/**
 * The encoder worker is started from the file next to the sink: worker.ts from sources (every other
 * test), worker.js in the compiled package. This compiles the sources as `npm run build` does, into a
 * scratch directory inside the project (so node_modules resolve), and records through the compiled sink
 * with plain node.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const OUT = path.join(ROOT, 'test-artifacts', `compiled-${process.pid}`);

afterAll(() => fs.rmSync(OUT, { recursive: true, force: true }));

describe('compiled recording sink', () => {
  it('starts its worker from dist-style output and writes a file DuckDB reads', async () => {
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT], { cwd: ROOT, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(fs.existsSync(path.join(OUT, 'sinks/recording/worker.js'))).toBe(true);
    const script = `
      const { parquetSink } = await import(${JSON.stringify(path.join(OUT, 'sinks/parquet.js'))});
      const { standaloneContext } = await import(${JSON.stringify(path.join(OUT, 'core/standalone.js'))});
      const { recordsBatch } = await import(${JSON.stringify(path.join(OUT, 'core/batch.js'))});
      const context = standaloneContext('recording', { dataDir: ${JSON.stringify(OUT)}, kind: 'sink' });
      const sink = await parquetSink.create(parquetSink.options.parse({ path: 'out.parquet' }), context);
      const fields = [{ name: 't', type: 'f64', time: 'host' }, { name: 'v', type: 'f32' }];
      for (let i = 0; i < 3; i++) await sink.write(recordsBatch('s', fields, { t: Float64Array.of(i, i + 0.5), v: Float32Array.of(i, i) }, 2));
      await sink.close();`;
    fs.writeFileSync(path.join(OUT, 'record.mjs'), script);
    const run = spawnSync(process.execPath, [path.join(OUT, 'record.mjs')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT count(*)::INTEGER AS n, sum(v)::DOUBLE AS v, decode(value) AS version FROM '${OUT}/out.parquet', parquet_kv_metadata('${OUT}/out.parquet') WHERE decode(key) = 'software.version' GROUP BY ALL`);
      expect(row).toEqual({ n: 6, v: 6, version: expect.stringMatching(/^telemetry-pipeline \d/) });
    });
  }, 120_000);
});
