import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { recoverCommand } from '../../../src/cli/recover.js';
import { standaloneContext } from '../../../src/core/standalone.js';
import { arrowSink } from '../../../src/sinks/arrow.js';
import { parquetSink } from '../../../src/sinks/parquet.js';
import { filesEndingWith, harvestBatch, query, scratchDirs, withDuckDB } from './fixtures.js';

const CHILD = path.join(import.meta.dirname, 'writer-child.ts');
const children: ChildProcess[] = [];
const scratch = scratchDirs();

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
});

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

const triangle = (n: number) => (n * (n - 1)) / 2;

describe.each(['parquet', 'arrow'])('%s recording after kill -9', (format) => {
  it('keeps every row that was durable before the kill, as a prefix, after recover', async () => {
    const dir = scratch('kill9');
    const child = start(process.execPath, ['--import', 'tsx', CHILD, 'kill', dir, format]);
    let durable = 0;
    let handed = 0;
    for await (const line of readline.createInterface({ input: child.stdout! })) {
      const match = /^handed (\d+) durable (\d+)$/.exec(line);
      if (!match) continue;
      handed = Number(match[1]);
      durable = Number(match[2]);
      // Several flush intervals in, with data in flight: kill.
      if (durable >= 30_000) break;
    }
    expect(durable).toBeGreaterThanOrEqual(30_000);
    process.kill(child.pid!, 'SIGKILL');
    await exited(child);
    expect(child.signalCode).toBe('SIGKILL');

    const lines: string[] = [];
    expect(await recoverCommand([dir], (line) => lines.push(line))).toBe(0);
    expect(lines.join('\n')).toMatch(/recovered \d+ rows/);
    const ext = format === 'arrow' ? '.arrows' : '.parquet';
    const files = filesEndingWith(dir, ext);
    expect(files.length).toBe(1);
    expect(filesEndingWith(dir, '.partial')).toEqual([]);
    expect(filesEndingWith(dir, '.journal')).toEqual([]);
    const rows = await withDuckDB(async (db) => {
      if (format === 'arrow') {
        // DuckDB reads Arrow IPC through an extension that needs a download; read with apache-arrow instead.
        const { tableFromIPC } = await import('apache-arrow');
        const table = tableFromIPC(fs.readFileSync(files[0]));
        const raw = table.getChild('voltage_raw')!.toArray() as Uint32Array;
        return { n: table.numRows, sum: raw.reduce((a, b) => a + b, 0), max: raw.length ? Math.max(...raw.subarray(raw.length - 1)) : -1 };
      }
      const [row] = await query(db, `SELECT count(*)::BIGINT AS n, sum(voltage_raw)::BIGINT AS sum, max(voltage_raw) AS max FROM '${files[0]}'`);
      return { n: Number(row.n), sum: Number(row.sum), max: Number(row.max) };
    });
    // Nothing durable is lost; nothing beyond what was handed appears; rows form an unbroken prefix.
    expect(rows.n).toBeGreaterThanOrEqual(durable);
    expect(rows.n).toBeLessThanOrEqual(handed + 5000);
    expect(rows.sum).toBe(triangle(rows.n));
    expect(rows.max).toBe(rows.n - 1);
  });
});

describe('parquet recording on a full disk', () => {
  it('fails the write naming the file, counts the rows, and leaves the closed file valid', async () => {
    const dir = scratch('fsize');
    // ulimit -f counts 1024-byte blocks: 2 MB is enough for the first file, not for the second.
    const child = start('bash', ['-c', `ulimit -f 2048 && exec "${process.execPath}" --import tsx "${CHILD}" fill "${dir}"`]);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await exited(child);
    expect(stdout).toContain('first closed');
    expect(stdout).not.toContain('no failure');
    const failure = /failed (.*)/.exec(stdout)?.[1] ?? '';
    expect(failure).toMatch(/file size limit reached \(EFBIG\)/);
    expect(failure).toMatch(new RegExp(`${dir}/rec/test-0001-2\\.parquet`));
    // The rows of the failed file are counted, not dropped silently.
    expect(Number(/write_failed (\d+)/.exec(stdout)?.[1] ?? 0)).toBeGreaterThan(0);
    const closed = filesEndingWith(dir, '.parquet');
    expect(closed.length).toBe(1);
    await withDuckDB(async (db) => {
      const [row] = await query(db, `SELECT count(*)::INTEGER AS n FROM '${closed[0]}'`);
      expect(row.n).toBe(1000);
    });
  });
});

describe('pipeline recover', () => {
  it('leaves the files of a recording that is still running alone', async () => {
    const dir = scratch('recover-live');
    for (const definition of [parquetSink, arrowSink]) {
      const context = standaloneContext(definition.type, { dataDir: dir, kind: 'sink', type: definition.type });
      const name = definition === arrowSink ? 'live.arrows' : 'live.parquet';
      const sink = await definition.create(definition.options.parse({ path: name, flush_interval: '10ms' }) as never, context);
      await sink.write(harvestBatch(0, 100));
      // The worker starts and writes asynchronously: wait (bounded) until the stream has its first batch.
      const stream = path.join(dir, definition === arrowSink ? `${name}.partial` : `${name}.journal`);
      for (let i = 0; i < 200 && !(fs.existsSync(stream) && fs.statSync(stream).size > 1000); i++) await sleep(25);
      const lines: string[] = [];
      const code = await recoverCommand([dir], (line) => lines.push(line));
      expect(lines.join('\n')).toContain(`still being written by process ${process.pid}`);
      expect(code).toBe(1);
      await sink.close();
    }
    expect(filesEndingWith(dir, '.partial')).toEqual([]);
    expect(filesEndingWith(dir, '.journal')).toEqual([]);
    expect(filesEndingWith(dir, '.parquet').length + filesEndingWith(dir, '.arrows').length).toBe(2);
  });

  it('says when there is nothing to recover and when the directory is missing', async () => {
    const dir = scratch('recover-empty');
    const lines: string[] = [];
    expect(await recoverCommand([dir], (line) => lines.push(line))).toBe(0);
    expect(lines).toEqual([`recover: nothing to recover below ${dir}`]);
    expect(await recoverCommand([path.join(dir, 'missing')], (line) => lines.push(line))).toBe(2);
  });
});
