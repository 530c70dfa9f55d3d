import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { confinePath } from '../../src/core/paths.js';
import { runCli } from '../helpers/cli.js';

describe('confinePath', () => {
  it('resolves paths below the base directory', () => {
    expect(confinePath('/data', 'recordings/a.parquet')).toBe('/data/recordings/a.parquet');
    expect(confinePath('/data', '/data/x/y')).toBe('/data/x/y');
    expect(confinePath('/data', 'a/../b')).toBe('/data/b');
    expect(confinePath('/data', '..name')).toBe('/data/..name');
  });

  it('refuses paths that escape it', () => {
    for (const p of ['../x', 'a/../../x', '/etc/passwd', '/data2/x']) expect(() => confinePath('/data', p, 'sinks.rec.path')).toThrow(/sinks\.rec\.path .* outside the data directory \/data/);
  });
});

/** A scratch data directory `d/` and a directory `outside/` next to it, both real. */
let root: string;
let data: string;
let outside: string;
beforeEach(() => {
  root = realpathSync(mkdtempSync(path.join(tmpdir(), 'confine-')));
  data = path.join(root, 'd');
  outside = path.join(root, 'outside');
  mkdirSync(data);
  mkdirSync(outside);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('confinePath with symbolic links', () => {
  it('refuses a link inside the data directory that leads out, for files that exist and files to be created', () => {
    symlinkSync('/etc', path.join(data, 'etclink'));
    symlinkSync(outside, path.join(data, 'link'));
    expect(() => confinePath(data, 'etclink/passwd', 'sources.f.path')).toThrow(/sources\.f\.path "etclink\/passwd" leads through a symbolic link to \/etc\/passwd, outside the data directory/);
    expect(() => confinePath(data, 'link/x.parquet')).toThrow(/symbolic link to .*outside\/x\.parquet, outside the data directory/);
    // Directories that a recording would create below the link (rotation, partitions).
    expect(() => confinePath(data, 'link/node=3/deeper/x.parquet')).toThrow(/outside the data directory/);
  });

  it('refuses a link to a file outside, a relative link that climbs out, and a dangling link whose target would be created outside', () => {
    writeFileSync(path.join(outside, 'secret'), 'secret');
    symlinkSync(path.join(outside, 'secret'), path.join(data, 'secret'));
    symlinkSync('../outside', path.join(data, 'up'));
    symlinkSync(path.join(outside, 'not-yet'), path.join(data, 'dangling'));
    mkdirSync(path.join(data, 'sub'));
    symlinkSync('../../outside/new-dir', path.join(data, 'sub', 'dangling-relative'));
    for (const p of ['secret', 'up/anything', 'dangling', 'dangling/x.parquet', 'sub/dangling-relative/x.parquet']) {
      expect(() => confinePath(data, p), p).toThrow(/symbolic link .* outside the data directory/);
    }
  });

  it('allows links that stay inside, and a data directory that is itself a link', () => {
    mkdirSync(path.join(data, 'real'));
    symlinkSync(path.join(data, 'real'), path.join(data, 'alias'));
    symlinkSync('real', path.join(data, 'relative-alias'));
    expect(confinePath(data, 'alias/x.parquet')).toBe(path.join(data, 'alias/x.parquet'));
    expect(confinePath(data, 'relative-alias/new/x.parquet')).toBe(path.join(data, 'relative-alias/new/x.parquet'));
    const linkedData = path.join(root, 'data-link');
    symlinkSync(data, linkedData);
    expect(confinePath(linkedData, 'real/x.parquet')).toBe(path.join(linkedData, 'real/x.parquet'));
    expect(confinePath(linkedData, 'not/there/yet.parquet')).toBe(path.join(linkedData, 'not/there/yet.parquet'));
  });

  it('refuses a link loop with a clear error', () => {
    symlinkSync(path.join(data, 'b'), path.join(data, 'a'));
    symlinkSync(path.join(data, 'a'), path.join(data, 'b'));
    expect(() => confinePath(data, 'a/x')).toThrow(/too many levels of symbolic links/);
  });
});

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

async function run(pipeline: string, ...extra: string[]) {
  writeFileSync(path.join(data, 'p.yml'), pipeline);
  return runCli(['run', path.join(data, 'p.yml'), '--data-dir', data, ...extra], { timeoutMs: 60_000 });
}

describe('pipelines cannot read or write through a link out of the data directory', () => {
  it('the file source does not read /etc/passwd through d/etclink', async () => {
    symlinkSync('/etc', path.join(data, 'etclink'));
    const result = await run(`
name: p
sources: { f: { type: file, path: etclink/passwd } }
transforms: { lines: { inputs: [f], steps: [ { type: frame, format: lines } ] } }
sinks: { out: { type: stdout, inputs: [lines], format: jsonl } }
`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/etclink\/passwd" leads through a symbolic link to \/etc\/passwd, outside the data directory/);
    // "root:x:0:0" as the hex the frame step prints, and as text.
    expect(result.stdout).not.toMatch(/726f6f743a|root:x/);
  });

  it('a parquet sink does not create files through d/link, and the capture sink neither', async () => {
    symlinkSync(outside, path.join(data, 'link'));
    const result = await run(`
name: p
sources: { node: { type: simulator, device: harvester, emit: records, rate: max, frames: 2000 } }
sinks:
  rec: { type: parquet, inputs: [node], path: "link/x.parquet" }
`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/link\/x\.parquet" leads through a symbolic link/);
    const capture = await run(`
name: p
sources: { node: { type: simulator, device: harvester, rate: max, frames: 2000 } }
sinks:
  cap: { type: capture, inputs: [node], path: "link/raw-{start}.tpcap" }
`);
    expect(capture.code).not.toBe(0);
    expect(capture.stderr).toMatch(/leads through a symbolic link/);
    expect(filesBelow(outside)).toEqual([]);
  });

  it('a partition directory that is a link out is refused', async () => {
    mkdirSync(path.join(data, 'rec'));
    symlinkSync(outside, path.join(data, 'rec', 'i=3'));
    const result = await run(`
name: p
sources: { node: { type: simulator, device: harvester, emit: records, rate: max, frames: 400 } }
sinks:
  rec: { type: parquet, inputs: [node], path: "rec/x.parquet", partition_by: [i] }
`);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/rec\/i=3\/x\.parquet" leads through a symbolic link/);
    expect(filesBelow(outside)).toEqual([]);
  });

  it('a rotation whose next file would go through a link out is refused', async () => {
    mkdirSync(path.join(data, 'rec'));
    symlinkSync(outside, path.join(data, 'rec', '0002'));
    const result = await run(
      `
name: p
sources: { node: { type: simulator, device: harvester, emit: records, rate: realtime } }
sinks:
  rec: { type: parquet, inputs: [node], path: "rec/{seq}/x.parquet", rotate: { every: 200ms } }
`,
      '--duration',
      '5s',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/rec\/0002\/x\.parquet" leads through a symbolic link/);
    expect(filesBelow(outside)).toEqual([]);
    // The first file was opened inside; the refusal came at the rotation.
    expect(result.stdout + result.stderr).toMatch(/rec\/0001\/x\.parquet","msg":"recording opened"/);
  });
});
