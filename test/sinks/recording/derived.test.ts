import fs from 'node:fs';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { type RecordsBatch, recordsBatch } from '../../../src/core/batch.js';
import { runOperator } from '../../../src/core/standalone.js';
import { derive } from '../../../src/operators/derive.js';
import { arrowSink } from '../../../src/sinks/arrow.js';
import { parquetSink } from '../../../src/sinks/parquet.js';
import { splitDerived } from '../../../src/sinks/recording/derived.js';
import { filesEndingWith, query, record, scratchDirs, withDuckDB } from './fixtures.js';

const scratch = scratchDirs();

/** Raw codes with edge values: 0, the u32 top, and a spread between. */
function rawBatch(n: number): RecordsBatch {
  const a = new Uint32Array(n);
  const b = new Int16Array(n);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = i === 1 ? 0xffffffff : (i * 2654435761) >>> 0;
    b[i] = ((i * 40503) % 65536) - 32768;
    t[i] = i * 10_000;
  }
  return recordsBatch('node', [{ name: 't', type: 'f64', time: 'host' }, { name: 'a', type: 'u32' }, { name: 'b', type: 'i16' }], { t, a, b }, n);
}

/** Every operator and function of the grammar, the way a pipeline file would use them. */
const FIELDS = {
  v: 'a * 3e-9',
  w: 'b * 0.25 - 7',
  p: 'v * w',
  q: '(a % 1000) / 7 + -b',
  c: '(a > 2000000000) + (b <= 0) * 2 + (a == 0) * 4 + (b != 3) * 8',
  l: '(a > 5 && b < 0) + (a < 5 || b > 0) * 2 + !b * 4',
  f: 'abs(b) + floor(v * 1e3) + ceil(w) + round(w) + trunc(-w) + sqrt(a)',
  m: 'min(a, b * 1000, 77) + max(v, w)',
  s: 'a * 0.0078125',
};

describe('recording with derived: metadata', () => {
  it('leaves derived columns out of the file, and its stored SQL gives every value exactly as derive computed it', async () => {
    const input = rawBatch(5000);
    const { output } = await runOperator(derive, { fields: FIELDS, types: { s: 'f32' }, units: { v: 'V' } }, [input]);
    const derived = output[0] as RecordsBatch;
    for (const [definition, file] of [[parquetSink, 'r.parquet'], [arrowSink, 'r.arrows']] as const) {
      const dir = scratch('derived');
      await record(definition, { path: file, derived: 'metadata' }, [derived], dir);
      const [path] = filesEndingWith(dir, file);
      if (definition === arrowSink) {
        // The Arrow file leaves out the same columns and carries the same SQL in its schema metadata.
        const table = arrow.tableFromIPC(fs.readFileSync(path));
        expect(table.schema.fields.map((f) => f.name)).toEqual(['t', 'a', 'b']);
        expect(table.schema.metadata.get('recording.derived_sql')).toMatch(/^\*, \("a"::DOUBLE \* 3e-9::DOUBLE\) AS "v"/);
        continue;
      }
      await withDuckDB(async (db) => {
        const types = await query(db, `SELECT column_name AS name, column_type AS type FROM (DESCRIBE SELECT * FROM '${path}')`);
        expect(types.map((t) => `${t.name}:${t.type}`)).toEqual(['t:TIMESTAMP_NS', 'a:UINTEGER', 'b:SMALLINT']);
        const kv = new Map((await query(db, `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${path}')`)).map((r) => [r.k as string, r.v as string]));
        const described = JSON.parse(kv.get('recording.derived')!) as { name: string; type: string; unit?: string; calibration?: object }[];
        expect(described.map((d) => `${d.name}:${d.type}`)).toEqual(Object.keys(FIELDS).map((name) => `${name}:${name === 's' ? 'FLOAT' : 'DOUBLE'}`));
        expect(described[0]).toMatchObject({ unit: 'V', calibration: { raw: 'a', gain: 3e-9, offset: 0 } });
        const rows = await query(db, `SELECT ${kv.get('recording.derived_sql')} FROM '${path}' ORDER BY t`);
        expect(rows).toHaveLength(derived.length);
        for (const name of Object.keys(FIELDS)) {
          const expected = Array.from(derived.columns[name] as Float64Array);
          const got = rows.map((r) => r[name] as number);
          const firstDifference = got.findIndex((g, i) => !Object.is(g, expected[i]) && !(g === 0 && expected[i] === 0));
          expect(firstDifference, `${name} = ${FIELDS[name as keyof typeof FIELDS]}: row ${firstDifference} got ${got[firstDifference]}, derive gave ${expected[firstDifference]}`).toBe(-1);
        }
      });
    }
  });

  it('keeps time columns, columns that replaced what they read, and columns reading a partition column', () => {
    const fields = [
      { name: 'x', type: 'f64', expression: 'x * 10' },
      { name: 'node', type: 'u8' },
      { name: 'raw', type: 'u32' },
      { name: 't', type: 'f64', time: 'device', expression: 'raw * 1000' },
      { name: 'n2', type: 'f64', expression: 'node * 2' },
      { name: 'v', type: 'f64', expression: 'raw * 2' },
      { name: 'u', type: 'f64', expression: 'v + x' },
    ] as const;
    const { stored, derived } = splitDerived(fields, ['node']);
    expect(stored.map((f) => f.name)).toEqual(['x', 'node', 'raw', 't', 'n2']);
    expect(derived.map((d) => d.name)).toEqual(['v', 'u']);
  });
});
