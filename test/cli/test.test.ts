import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** A pipeline whose derive step the tests below check: voltage = voltage_raw * 3e-9. */
const PIPELINE = `name: calib
sources:
  node: { type: simulator, emit: records }
transforms:
  calibrated:
    inputs: [node]
    steps:
      - type: derive
        fields: { voltage: "voltage_raw * 3e-9" }
sinks:
  out: { type: stdout, inputs: [calibrated], format: jsonl }
`;

const passing = `tests:
  - name: calibrates two counts
    inputs:
      - insert_at: calibrated
        rows: [ { voltage_raw: 1000 }, { voltage_raw: 2000 } ]
    outputs:
      - extract_from: out
        conditions:
          - { count: 2 }
          - { column: voltage, equals: [3e-6, 6e-6], tolerance: 1e-15 }
`;

describe('pipeline test', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('runs the tests of a sibling NAME.test.yml, prints PASS and a summary, exit 0', async () => {
    const file = write('good.yml', PIPELINE);
    write('good.test.yml', passing);
    const result = await runCli(['test', file]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  PASS  calibrates two counts\n');
    expect(result.stdout).toContain('1 test in 1 file: 1 passed, 0 failed\n');
  });

  it('prints the first difference of a failing test with row, column, expected and got, exit 1', async () => {
    const file = write('bad.yml', PIPELINE);
    // 1000 counts are 3 uV, not 4 uV: the first row differs.
    write('bad.test.yml', passing.replace('equals: [3e-6, 6e-6]', 'equals: [4e-6, 6e-6]').replace('calibrates two counts', 'off by one microvolt'));
    const result = await runCli(['test', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ {2}FAIL {2}off by one microvolt {2}\(\S*bad\.test\.yml:2\)\n/);
    expect(result.stdout).toContain('        out: column voltage, row 0: expected 0.000004 ± 1e-15, got 0.000003\n');
    expect(result.stdout).toContain('1 test in 1 file: 0 passed, 1 failed\n');
  });

  it('runs a tests: block written in the pipeline file itself', async () => {
    const file = write('inline.yml', PIPELINE + passing.replace('calibrates two counts', 'inline block'));
    const result = await runCli(['test', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('  PASS  inline block\n');
  });

  it('reports a mistake in a test file with file, line and key, runs nothing, exit 2; validate reports it too', async () => {
    const file = write('typo.yml', PIPELINE);
    // Two tests, one mistake each: the misspelled place of the first is found although the second is malformed.
    const second = passing.replace('tests:\n', '').replace('calibrates two counts', 'second').replace('{ count: 2 }', '{ count: 2, sum: 1 }');
    write('typo.test.yml', passing.replace('insert_at: calibrated', 'insert_at: calibratd') + second);
    const result = await runCli(['test', file]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('MISTAKE  2 problems in the file');
    expect(result.stdout).not.toContain('PASS');
    expect(result.stderr).toContain('typo.test.yml:4:9 tests[0].inputs[0].insert_at: "calibratd" is not in the pipeline (did you mean "calibrated"?)');
    expect(result.stderr).toContain('typo.test.yml:18:25 tests[1].outputs[0].conditions[0].sum: one check per condition: count and sum go in separate list items');
    const validate = await runCli(['validate', file]);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toContain('typo.test.yml:4:9 tests[0].inputs[0].insert_at');
  }, 60_000);

  it('refuses an input of the wrong kind for its place', async () => {
    const file = write('kind.yml', PIPELINE);
    write('kind.test.yml', passing.replace('rows: [ { voltage_raw: 1000 }, { voltage_raw: 2000 } ]', 'hex: "7b 7d"'));
    const result = await runCli(['test', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('kind.test.yml:5:9 tests[0].inputs[0].hex: "calibrated" reads records, and hex gives bytes; give rows');
  });

  it('finds every NAME.yml in a folder with its tests; a pipeline without tests fails the run', async () => {
    const folder = mkdtempSync(path.join(dir, 'suite-'));
    writeFileSync(path.join(folder, 'a.yml'), PIPELINE);
    writeFileSync(path.join(folder, 'a.test.yml'), passing);
    writeFileSync(path.join(folder, 'b.yml'), PIPELINE);
    const result = await runCli(['test', folder]);
    expect(result.code).toBe(1);
    const name = path.basename(folder);
    expect(result.stdout).toContain(`${name}/a.yml\n  PASS  calibrates two counts\n`);
    expect(result.stdout).toContain(`${name}/b.yml\n  NO TESTS  add a tests: block or b.test.yml\n`);
    expect(result.stdout).toContain('1 test in 2 files: 1 passed, 0 failed, 1 without tests\n');
    // A test file named on the command line runs its pipeline's tests.
    const one = await runCli(['test', path.join(folder, 'a.test.yml')]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('1 test in 1 file: 1 passed, 0 failed\n');
  }, 60_000);

  it('prints its help with --help', async () => {
    const result = await runCli(['test', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: pipeline test FILE\|DIR\.\.\./);
    expect(result.stdout).toContain('Exit 0: all passed; 1: a test failed');
  });
});
