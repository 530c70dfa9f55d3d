import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';

/**
 * docs/notebooks.md "A partitioned dataset to try, and Node.js": the documented runs make the
 * partitioned layout the dataset query reads, and the Node snippet, run as written, reads it.
 */
const GUIDE = fs.readFileSync(path.join(ROOT, 'docs/notebooks.md'), 'utf8');
const section = GUIDE.slice(GUIDE.indexOf('## A partitioned dataset to try, and Node.js'));
const shell = /```sh\n([\s\S]*?)```/.exec(section)![1];
const snippet = /```js\n([\s\S]*?)```/.exec(section)![1];

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'notebooks-node-'));
// Inside the checkout, so the snippet's import finds @duckdb/node-api in node_modules.
const script = path.join(ROOT, 'test-artifacts', `notebooks-node-${process.pid}.mjs`);
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(script, { force: true });
});

describe('notebooks guide: partitioned dataset and Node.js snippet', () => {
  it('the --set runs write recordings/testbed/node=N/ and the snippet reads them per node', { timeout: 240_000 }, async () => {
    // The arguments of the documented loop, for two nodes and a shorter run.
    expect(shell).toContain('pipeline run harvest.yml --duration 5s --set sources.node.seed=$n');
    const pathSet = /--set "(sinks\.recording\.path=[^"]+)"/.exec(shell)![1];
    expect(shell).toContain('--set sinks.live.listen=127.0.0.1:0');
    for (const n of [1, 2]) {
      const result = await runCli(['run', 'harvest.yml', '--duration', '1s', '--log-level', 'warn', '--set', `sources.node.seed=${n}`, '--set', pathSet.replace('$n', String(n)), '--set', 'sinks.live.listen=127.0.0.1:0'], { cwd: dataDir, timeoutMs: 100_000 });
      expect(result.code, result.stderr).toBe(0);
      expect(fs.readdirSync(path.join(dataDir, 'recordings', 'testbed', `node=${n}`)).some((f) => f.endsWith('.parquet'))).toBe(true);
    }
    fs.mkdirSync(path.dirname(script), { recursive: true });
    fs.writeFileSync(script, snippet);
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [script], { cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`snippet exited ${code}: ${err}`));
      });
    });
    const rows = output.trim().split('\n').map((line) => line.split(' '));
    expect(rows.map((r) => r[0].replace(/n$/, ''))).toEqual(['1', '2']);
    for (const [, samples, meanPower, firstNs] of rows) {
      expect(Number(samples.replace(/n$/, ''))).toBeGreaterThan(10_000);
      // harvest's simulated node draws tens of microwatts to milliwatts.
      expect(Number(meanPower)).toBeGreaterThan(0);
      // Exact nanoseconds since the epoch, as a bigint: not a millisecond Date.
      expect(firstNs).toMatch(/^\d{19}n$/);
      expect(Number(BigInt(firstNs.slice(0, -1)) / 1_000_000n)).toBeGreaterThan(Date.now() - 600_000);
    }
  });
});
