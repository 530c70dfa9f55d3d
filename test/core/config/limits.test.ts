import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliProcess } from '../../helpers/cli-process.js';
import { runCli } from '../../helpers/cli.js';

/**
 * The bad-config cases of the 2026-12-01 hostile-input report, through the real `pipeline`
 * command: each must end with a located problem and exit 2, never a stack trace.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'config-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
}

const STACK_LINE = /^\s+at /m;
/** Each case starts the CLI from source; on a loaded two-core machine that alone can take half a minute. */
const CLI_TIMEOUT = 120_000;

describe('pipeline validate refuses hostile files with a located problem and exit 2', () => {
  it('a YAML alias bomb (8 levels of 10 aliases)', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (const [i, name] of [...'bcdefgh'].entries()) levels.push(`${name}: &${name} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(',')}]`);
    const bomb = file('bomb.yml', `name: bomb\n${levels.join('\n')}\nsources: { n: { type: simulator } }\nsinks: { out: { type: stdout, inputs: [n] } }\n`);
    const result = await runCli(['validate', bomb], { timeoutMs: CLI_TIMEOUT - 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bomb\.yml:3:\d+ aliases \(\*a and others\) expand to too many copies; at most 100 alias uses are resolved/);
    expect(result.stderr).not.toMatch(STACK_LINE);
  }, CLI_TIMEOUT);

  it('derive expressions with 2,000 nested parentheses, 100,000 unary minus and 200,000 added terms', async () => {
    const deep = `${'('.repeat(2000)}seq${')'.repeat(2000)}`;
    const negated = `${'-'.repeat(100_000)}seq`;
    const long = Array(200_000).fill('seq').join('+');
    const nested = `${'('.repeat(100)}seq${')'.repeat(100)}`;
    const text = `sources: { node: { type: simulator, emit: records } }
transforms:
  t:
    inputs: [node]
    steps:
      - type: derive
        fields: { a: "${deep}", b: "${negated}" }
      - type: derive
        fields: { c: "${nested}", d: "${long}" }
sinks: { out: { type: stdout, inputs: [t] } }
`;
    const result = await runCli(['validate', file('expressions.yml', text)], { timeoutMs: CLI_TIMEOUT - 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expressions\.yml:7:\d+ transforms\.t\.steps\[0\]\.fields\.a: expression "\({40}\.\.\.": parentheses, unary operators and calls nest more than 64 levels deep/);
    expect(result.stderr).toMatch(/transforms\.t\.steps\[0\]\.fields\.b: expression "-{40}\.\.\.": the expression is 100003 characters long; the limit is 4096/);
    expect(result.stderr).toMatch(/transforms\.t\.steps\[1\]\.fields\.c: expression "\({40}\.\.\.": .*nest more than 64 levels deep/);
    expect(result.stderr).toMatch(/transforms\.t\.steps\[1\]\.fields\.d: .*the expression is 799999 characters long/);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr.length).toBeLessThan(5000);
  }, CLI_TIMEOUT);

  it('paths that leave the data directory, in sinks and in a file source, each with file:line:key', async () => {
    const data = path.join(dir, 'data');
    mkdirSync(data, { recursive: true });
    const escapes = file(
      'escapes.yml',
      `sources:
  f: { type: file, path: ../../etc/passwd }
  node: { type: simulator, emit: records }
sinks:
  up: { type: parquet, inputs: [node], path: ../escape.parquet }
  abs: { type: parquet, inputs: [node], path: /tmp/elsewhere.parquet }
  home: { type: arrow, inputs: [node], path: "\${HOME}/x.arrows" }
  fallback: { type: arrow, inputs: [node], path: "\${NOT_SET_ANYWHERE:-../..}/x.arrows" }
  template: { type: capture, inputs: [f], path: "{name}/../../x.tpcap" }
  inside: { type: capture, inputs: [f], path: "captures/{start}.tpcap" }
`,
    );
    const result = await runCli(['validate', escapes, '--data-dir', data], { env: { HOME: '/root' }, timeoutMs: CLI_TIMEOUT - 10_000 });
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n').slice(1).map((l) => l.trim());
    expect(lines).toEqual([
      expect.stringMatching(/escapes\.yml:2:\d+ sources\.f\.path: path "\.\.\/\.\.\/etc\/passwd" resolves to .*, outside the data directory/),
      expect.stringMatching(/escapes\.yml:5:\d+ sinks\.up\.path: path "\.\.\/escape\.parquet" resolves to .*, outside the data directory/),
      expect.stringMatching(/escapes\.yml:6:\d+ sinks\.abs\.path: path "\/tmp\/elsewhere\.parquet"/),
      expect.stringMatching(/escapes\.yml:7:\d+ sinks\.home\.path: path "\/root\/x\.arrows"/),
      expect.stringMatching(/escapes\.yml:8:\d+ sinks\.fallback\.path: path "\.\.\/\.\.\/x\.arrows"/),
      expect.stringMatching(/escapes\.yml:9:\d+ sinks\.template\.path: path "\{name\}\/\.\.\/\.\.\/x\.tpcap"/),
    ]);
    // The same file with paths below the data directory passes.
    const fine = file('inside.yml', 'sources: { f: { type: file, path: dump.bin } }\nsinks: { rec: { type: capture, inputs: [f], path: "captures/{start}.tpcap" } }\n');
    const ok = await runCli(['validate', fine, '--data-dir', data], { timeoutMs: CLI_TIMEOUT - 10_000 });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  }, CLI_TIMEOUT);

  it('durations longer than a timer can wait, and sizes beyond their bounds', async () => {
    const text = `name: ${'n'.repeat(200)}
sources: { node: { type: simulator, emit: records } }
sinks:
  console: { type: stdout, inputs: [node], every: 600h }
  rec: { type: parquet, inputs: [node], row_group_size: 1000000000, buffer: { max_bytes: 1e15, max_batches: 1000000000 } }
`;
    const result = await runCli(['validate', file('sizes.yml', text)], { timeoutMs: CLI_TIMEOUT - 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/sizes\.yml:1:\d+ name: Too big: expected string to have <=100 characters/);
    expect(result.stderr).toMatch(/sinks\.console\.every: "600h" is too long: a duration may be at most 2147483647ms/);
    expect(result.stderr).toMatch(/sinks\.rec\.row_group_size: at most 4,194,304 rows/);
    expect(result.stderr).toMatch(/sinks\.rec\.buffer\.max_bytes: 1000000000000000 is too large: at most 1GiB/);
    expect(result.stderr).toMatch(/sinks\.rec\.buffer\.max_batches: Too big: expected number to be <=65536/);
    expect(result.stderr).not.toContain('n'.repeat(101));
  }, CLI_TIMEOUT);

  it('a 50 MB name is refused before it is read, without printing it back', async () => {
    const huge = file('huge.yml', `name: ${'x'.repeat(50 * 1024 * 1024)}\nsources: { n: { type: simulator } }\nsinks: { out: { type: stdout, inputs: [n] } }\n`);
    const result = await runCli(['validate', huge], { timeoutMs: CLI_TIMEOUT - 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/huge\.yml the file is 50\.0 MiB; a pipeline file may be at most 1 MiB/);
    expect(result.stderr.length).toBeLessThan(500);
  }, CLI_TIMEOUT);

  it('__proto__ keys, a transform reading itself, inputs listed twice, partition columns listed twice', async () => {
    const text = `sources:
  node: { type: simulator, emit: records }
  __proto__: { type: simulator }
transforms:
  c: { inputs: [c], steps: [ { type: select, fields: [seq] } ] }
sinks:
  out: { type: stdout, inputs: [node, node] }
  rec: { type: parquet, inputs: [c], partition_by: [seq, seq], path: "r/{seq}.parquet" }
`;
    const result = await runCli(['validate', file('nits.yml', text), '--set', 'sources.__proto__.type=simulator'], { timeoutMs: CLI_TIMEOUT - 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nits\.yml:3:3 sources\.__proto__: "__proto__" is not allowed as a key/);
    expect(result.stderr).toMatch(/--set "sources\.__proto__\.type=simulator": "__proto__" is not allowed as a key/);
    expect(result.stderr).toMatch(/nits\.yml:5:\d+ transforms\.c\.inputs\[0\]: transform "c" reads its own output/);
    expect(result.stderr).toMatch(/nits\.yml:7:\d+ sinks\.out\.inputs\[1\]: "node" is listed twice; each input is read once/);
    expect(result.stderr).toMatch(/nits\.yml:8:\d+ sinks\.rec\.partition_by: a column is listed twice/);
  }, CLI_TIMEOUT);
});

describe('pipeline run --duration', () => {
  it('600h keeps running instead of wrapping to 1 ms, and stops cleanly on SIGTERM', async () => {
    const pipeline = file('long.yml', 'sources: { node: { type: simulator, emit: records } }\nsinks: { console: { type: stdout, inputs: [node], format: summary, every: 100ms } }\n');
    const run = new CliProcess(['run', pipeline, '--duration', '600h', '--data-dir', dir]);
    try {
      // 20 summary lines 100 ms apart: data has flowed for about 2 s, far past the 1 ms a wrapped timer gives.
      await run.waitFor(/(?:\| console [^\n]*\n[^]*){20}/, 60_000);
      expect(run.child.exitCode).toBeNull();
      expect(run.stderr).not.toMatch(/TimeoutOverflowWarning/);
    } finally {
      expect(await run.stop('SIGTERM')).toBe(0);
    }
  }, CLI_TIMEOUT);
});
