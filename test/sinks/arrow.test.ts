import fs from 'node:fs';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { recordsBatch } from '../../src/core/batch.js';
import { arrowSink } from '../../src/sinks/arrow.js';
import { filesEndingWith, scratchDirs, harvestBatch, record } from './recording/fixtures.js';

const scratch = scratchDirs();

describe('arrow sink', () => {
  it('writes one IPC stream per file that apache-arrow reads with types, metadata and every row', async () => {
    const dir = scratch('arrow-sink');
    const batches = [harvestBatch(0, 3000), harvestBatch(3000, 2000)];
    const context = await record(arrowSink, { path: 'rec/{name}.arrows' }, batches, dir);
    const files = filesEndingWith(dir, '.arrows');
    expect(files).toEqual([path.join(dir, 'rec', 'test.arrows')]);
    const table = arrow.tableFromIPC(fs.readFileSync(files[0]));
    expect(table.numRows).toBe(5000);
    expect(table.batches.length).toBe(2);
    const types = Object.fromEntries(table.schema.fields.map((f) => [f.name, String(f.type)]));
    expect(types).toMatchObject({ time: 'Timestamp<NANOSECOND>', t_ticks: 'Uint32', t_device_ns: 'Int64', voltage: 'Float32', node: 'Dictionary<Int32, Utf8>' });
    // Vector.get converts timestamps to ms doubles; the stored int64 values are exact ns.
    const lastTimes = table.getChild('time')!.data.at(-1)!.values as BigInt64Array;
    expect(lastTimes.at(-1)).toBe(context.clock.anchorWallNs + 4999n * 10_000n);
    const raw = table.getChild('voltage_raw')!.toArray() as Uint32Array;
    expect(raw.reduce((a, b) => a + b, 0)).toBe((5000 * 4999) / 2);
    expect(table.schema.metadata.get('pipeline.name')).toBe('test');
    expect(table.schema.fields.find((f) => f.name === 'voltage')!.metadata.get('unit')).toBe('V');
  });

  it('keeps string values when batches carry different dictionaries', async () => {
    const dir = scratch('arrow-dict');
    const fields = [{ name: 'task', type: 'string' as const }];
    const batches = [
      recordsBatch('t', fields, { task: { codes: Int32Array.of(0, 1, 0), dictionary: ['idle', 'net'] } }, 3),
      recordsBatch('t', fields, { task: { codes: Int32Array.of(1, 0), dictionary: ['adc', 'log'] } }, 2),
    ];
    await record(arrowSink, { path: 't.arrows' }, batches, dir);
    const table = arrow.tableFromIPC(fs.readFileSync(path.join(dir, 't.arrows')));
    expect(table.getChild('task')!.toArray()).toEqual(['idle', 'net', 'idle', 'log', 'adc']);
  });

  it('rotates by size into several complete streams', async () => {
    const dir = scratch('arrow-rotate');
    const batches = Array.from({ length: 10 }, (_, i) => harvestBatch(i * 1000, 1000));
    await record(arrowSink, { path: '{name}-{seq}.arrows', rotate: { max_bytes: '60KB' } }, batches, dir);
    const files = filesEndingWith(dir, '.arrows');
    expect(files.length).toBeGreaterThanOrEqual(2);
    const total = files.reduce((sum, f) => sum + arrow.tableFromIPC(fs.readFileSync(f)).numRows, 0);
    expect(total).toBe(10_000);
  });
});
