import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

function pipelineFile(sink: string): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'stdout-'));
  const file = path.join(dir, 'p.yml');
  writeFileSync(file, `sources: { node: { type: simulator, rate: max, emit: records, frames: 4, batch_frames: 2 } }\nsinks: { out: ${sink} }\n`);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('stdout sink', () => {
  it('prints every record as a JSON line with exact integers and absolute host times', async () => {
    const { file, cleanup } = pipelineFile('{ type: stdout, inputs: [node], format: jsonl, columns: [seq, t_ticks, i, voltage_raw, host_time] }');
    try {
      const result = await runCli(['run', file, '--log-level', 'warn']);
      expect(result.code).toBe(0);
      const rows = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(rows).toHaveLength(100);
      expect(rows[26]).toMatchObject({ seq: 1, t_ticks: 250, i: 1 });
      expect(Object.keys(rows[0])).toEqual(['seq', 't_ticks', 'i', 'voltage_raw', 'host_time']);
      const hostNs = BigInt(result.stdout.match(/"host_time":(\d+)/)![1]);
      expect(Number(hostNs / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      cleanup();
    }
  });

  it('prints a summary line at the end of a short run', async () => {
    const { file, cleanup } = pipelineFile('{ type: stdout, inputs: [node], format: summary, every: 10s }');
    try {
      const result = await runCli(['run', file, '--log-level', 'warn']);
      expect(result.stdout).toMatch(/\| node [\d.]+ (kB|MB|B)\/s \| errors 0 \| out [\d.]+k?\/s q=0\n$/);
    } finally {
      cleanup();
    }
  });
});
