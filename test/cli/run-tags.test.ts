import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { filesEndingWith, query, scratchDirs, withDuckDB } from '../sinks/recording/fixtures.js';

const scratch = scratchDirs();

const PIPELINE = `
name: tagged
sources: { node: { type: simulator, emit: records, rate: max, frames: 40 } }
sinks:
  recording: { type: parquet, inputs: [node], path: "rec.parquet", metadata: { bench: solar-3, gain_setting: 2 } }
`;

describe('pipeline run --tag', () => {
  it('stores the tags with the metadata option in the recording, a tag replacing a key of the same name', async () => {
    const dir = scratch('run-tags');
    fs.writeFileSync(path.join(dir, 'p.yml'), PIPELINE);
    const result = await runCli(['run', path.join(dir, 'p.yml'), '--data-dir', dir, '--log-level', 'warn', '--tag', 'operator=ada', '--tag', 'gain_setting=4', '--tag', 'note=a=b']);
    expect(result.code, result.stderr).toBe(0);
    const [file] = filesEndingWith(dir, '.parquet');
    await withDuckDB(async (db) => {
      const rows = await query(db, `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${file}')`);
      const kv = Object.fromEntries(rows.map((r) => [r.k, r.v]));
      expect(kv).toMatchObject({ bench: 'solar-3', gain_setting: '4', operator: 'ada', note: 'a=b', 'pipeline.name': 'tagged' });
    });
  });

  it('refuses a tag without a value, a reserved key, and tags for a pipeline without a recording (exit 2)', async () => {
    const dir = scratch('run-tags');
    fs.writeFileSync(path.join(dir, 'p.yml'), PIPELINE);
    const missing = await runCli(['run', path.join(dir, 'p.yml'), '--data-dir', dir, '--tag', 'operator']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--tag "operator": expected key=value');
    const reserved = await runCli(['run', path.join(dir, 'p.yml'), '--data-dir', dir, '--tag', 'recording.start=now']);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toMatch(/--tag: recording\.start: keys starting with pipeline\., recording\./);
    fs.writeFileSync(path.join(dir, 'q.yml'), 'sources: { node: { type: simulator, emit: records, frames: 1 } }\nsinks: { out: { type: stdout, inputs: [node] } }\n');
    const none = await runCli(['run', path.join(dir, 'q.yml'), '--data-dir', dir, '--tag', 'a=b']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no sink of this pipeline stores metadata');
    expect(filesEndingWith(dir, '.parquet')).toEqual([]);
  });
});
