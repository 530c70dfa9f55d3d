import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { EXAMPLES_DIR, resolvePipelineFile } from '../../src/cli/pipeline-file.js';
import { ROOT, runCli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-file-'));
  dirs.push(dir);
  return dir;
}

describe('pipeline file argument', () => {
  it('takes a bare name that is no file here as the shipped example, and says so', () => {
    expect(EXAMPLES_DIR).toBe(path.join(ROOT, 'pipelines'));
    const resolved = resolvePipelineFile('harvest.yml');
    expect(resolved.file).toBe(path.join(ROOT, 'pipelines', 'harvest.yml'));
    expect(resolved.note).toMatch(/^harvest\.yml is no file here: using the shipped example .*pipelines\/harvest\.yml$/);
    expect(resolvePipelineFile('cobs').file).toBe(path.join(ROOT, 'pipelines', 'cobs.yml'));
  });

  it('prefers a file of that name, and leaves paths to the loader', () => {
    const dir = scratch();
    const own = path.join(dir, 'harvest.yml');
    writeFileSync(own, 'sources: {}\n');
    expect(resolvePipelineFile(own)).toEqual({ file: own });
    expect(resolvePipelineFile('pipelines/nope.yml')).toEqual({ file: 'pipelines/nope.yml' });
  });

  it('names the examples when a bare name is neither', () => {
    expect(() => resolvePipelineFile('harvset.yml')).toThrow(UsageError);
    expect(() => resolvePipelineFile('harvset.yml')).toThrow(/^no file harvset\.yml here, and no shipped example of that name; examples: .*cobs\.yml, .*harvest\.yml/);
  });

  it('lets `pipeline validate harvest.yml` work from another directory', async () => {
    const dir = scratch();
    const result = await runCli(['validate', 'harvest.yml'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^harvest\.yml is no file here: using the shipped example .*pipelines\/harvest\.yml\n.*harvest\.yml: ok \(pipeline "harvest"/);
  });
});
