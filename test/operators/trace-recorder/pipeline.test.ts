import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../../helpers/cli.js';
import { filesEndingWith, query, withDuckDB } from '../../sinks/recording/fixtures.js';
import { SAMPLE, buildSampleTrace } from './sample.js';

mkdirSync(path.join(ROOT, 'test-artifacts'), { recursive: true });
const dir = mkdtempSync(path.join(ROOT, 'test-artifacts', 'freertos-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pipelines/freertos-trace.yml', () => {
  it('replays the committed sample, which is exactly what the sample generator writes', () => {
    expect(readFileSync(path.join(ROOT, SAMPLE.file)).equals(buildSampleTrace())).toBe(true);
  });

  it('records every event of the sample to Parquet and prints the printf text', { timeout: 120_000 }, async () => {
    const result = await runCli(['run', 'pipelines/freertos-trace.yml', '--set', 'sources.trace.speed=max'], { env: { RECORDINGS_DIR: path.relative(ROOT, dir) }, timeoutMs: 100_000 });
    expect(result.code, result.stderr).toBe(0);
    // Events of the sample: 9 before the schedule, 10 per period, a printf every 10th period and
    // two UNUSED_STACK every 50th.
    const expected = 9 + SAMPLE.periods * 10 + SAMPLE.periods / 10 + (2 * SAMPLE.periods) / 50;
    const [file] = filesEndingWith(dir, '.parquet');
    const rows = await withDuckDB((c) =>
      query(c, `SELECT count(*)::INT AS n, min("count")::INT AS first, max("count")::INT AS last, sum(dropped)::INT AS dropped, count(DISTINCT session)::INT AS sessions FROM '${file}'`),
    );
    expect(rows[0]).toEqual({ n: expected, first: 6, last: 6 + expected - 1, dropped: 0, sessions: 1 });
    const printf = await withDuckDB((c) => query(c, `SELECT t_ns::BIGINT AS t, channel, text FROM '${file}' WHERE event = 'USER_EVENT' ORDER BY "count" LIMIT 2`));
    // The first printf follows the queue send at 1000 + 2400 us by one tick.
    expect(printf).toEqual([
      { t: 3_401_000n, channel: 'app', text: 'battery 3300 mV, period 0' },
      { t: 103_401_000n, channel: 'app', text: 'battery 3230 mV, period 10' },
    ]);
    // The summary's last line: heap seeded at 1024 B from the symbol table, 256 B allocated and
    // freed each period; sensor's lowest unused stack is 180 - 6, radio's 96 + 4.
    const summaries = result.stdout.split('\n').filter((l) => l.includes(' | '));
    expect(summaries.at(-1)).toContain('events heap 1024/1280 B stack-min sensor=174 radio=100');
    const printed = result.stdout.split('\n').filter((l) => l.includes('"battery'));
    expect(printed).toHaveLength(SAMPLE.periods / 10);
    expect(JSON.parse(printed[0])).toEqual({ t_ns: 3_401_000, channel: 'app', text: 'battery 3300 mV, period 0' });
  });
});
