import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { feedUrl, tapCommand } from '../../src/cli/tap.js';
import { UsageError } from '../../src/cli/args.js';
import { runCli } from '../helpers/cli.js';
import { HARVEST, type PipelineProcess, harvestLiveOverrides, startPipelineProcess } from '../e2e/live-pipeline.js';
import { sampleBatch, startSink } from '../sinks/websocket/helpers.js';

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, callback: () => void) {
    this.text += chunk;
    callback();
  }
}

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('pipeline tap', () => {
  it('prints records from a running pipeline as JSON lines and exits after --duration', { timeout: 120_000 }, async () => {
    const pipeline: PipelineProcess = await startPipelineProcess([HARVEST, ...harvestLiveOverrides()]);
    cleanups.push(() => pipeline.stop());
    // A stream is what the sink reads: harvest.yml's live sink has `inputs: [preview]`, not the source `node`.
    const wrong = await runCli(['tap', pipeline.url, '--duration', '20s', '--streams', 'node']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('pipeline tap: --streams: no stream "node"; streams: preview (the sink\'s inputs)\n');
    const { code, stdout, stderr } = await runCli(['tap', pipeline.url, '--duration', '1s', '--format', 'jsonl', '--columns', 'voltage', '--streams', 'preview']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = stdout.trim().split('\n').map((line) => JSON.parse(line));
    // harvest.yml's live view shows the 10 ms min/max preview: two rows per bucket, 200 a second.
    expect(rows.length).toBeGreaterThan(50);
    // Time columns come along with the requested ones: harvest.yml derives t_device_ns.
    expect(Object.keys(rows[0]).sort()).toEqual(['stream', 't_device_ns', 'voltage']);
    expect(new Set(rows.map((r) => r.stream))).toEqual(new Set(['preview']));
    for (const row of rows) {
      expect(row.voltage).toBeGreaterThanOrEqual(0);
      expect(row.voltage).toBeLessThan(2.4);
    }
    const times = rows.map((r) => r.t_device_ns);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
  });

  it('prints a table with units and wall-clock times', async () => {
    const { sink } = await startSink();
    cleanups.push(() => sink.close());
    sink.write(sampleBatch(0, 3));
    const out = new Collect();
    const code = await tapCommand([sink.url, '--format', 'table', '--duration', '300ms'], out, new Collect());
    expect(code).toBe(0);
    const lines = out.text.trim().split('\n');
    expect(lines[0].trim().split(/\s+/)).toEqual(['stream', 'host_time', 'voltage[V]', 'seq']);
    expect(lines).toHaveLength(4);
    expect(lines[1].trim().split(/\s+/)).toEqual(['samples', expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{6}$/), '2', '0']);
    expect(lines[3].trim().split(/\s+/).slice(2)).toEqual([(2 + Math.sin(0.02)).toPrecision(6), '2']);
  });

  it('warns about a column no stream has', async () => {
    const { sink } = await startSink();
    cleanups.push(() => sink.close());
    sink.write(sampleBatch(0, 3));
    const err = new Collect();
    expect(await tapCommand([sink.url, '--columns', 'voltag', '--duration', '200ms'], new Collect(), err)).toBe(0);
    expect(err.text).toMatch(/no stream has column\(s\) voltag; columns: host_time, voltage, seq/);
  });

  it('reports a refused token and an unreachable address with exit code 1', async () => {
    const { sink } = await startSink({ auth_token: 'right-token-1234' });
    cleanups.push(() => sink.close());
    const err = new Collect();
    expect(await tapCommand([sink.url, '--token', 'wrong-token-1234', '--duration', '5s'], new Collect(), err)).toBe(1);
    expect(err.text).toMatch(/HTTP 401 \(wrong or missing --token\)/);
    expect(await tapCommand([sink.url, '--token', 'right-token-1234', '--duration', '100ms'], new Collect(), new Collect())).toBe(0);
    const unreachable = new Collect();
    expect(await tapCommand(['127.0.0.1:1', '--duration', '5s'], new Collect(), unreachable)).toBe(1);
    expect(unreachable.text).toMatch(/ECONNREFUSED/);
  });

  it('exits 0 when the pipeline stops, and rejects bad arguments as usage errors', async () => {
    const { sink } = await startSink();
    const out = new Collect();
    const tapping = tapCommand([sink.url], out, new Collect());
    await new Promise((resolve) => setTimeout(resolve, 100));
    await sink.close();
    expect(await tapping).toBe(0);
    await expect(tapCommand([], out, out)).rejects.toThrow(UsageError);
    await expect(tapCommand(['x:1', '--format', 'csv'], out, out)).rejects.toThrow(/jsonl or table/);
    await expect(tapCommand(['x:1', '--duration', 'soon'], out, out)).rejects.toThrow(/not a duration/);
  });

  it('accepts page, feed and bare addresses', () => {
    expect(feedUrl('http://127.0.0.1:8080/').href).toBe('ws://127.0.0.1:8080/ws');
    expect(feedUrl('ws://127.0.0.1:8080/ws', 'a,b', undefined, 't', false).href).toBe('ws://127.0.0.1:8080/ws?columns=a%2Cb&token=t&history=0');
    expect(feedUrl('127.0.0.1:8080').href).toBe('ws://127.0.0.1:8080/ws');
    expect(() => feedUrl('ftp://x/')).toThrow(/not an http/);
  });
});
