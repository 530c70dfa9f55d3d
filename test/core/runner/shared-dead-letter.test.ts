import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { COMPONENTS } from '../../../src/components.js';
import type { RecordsBatch, StringColumn } from '../../../src/core/batch.js';
import { ConfigError } from '../../../src/core/config/errors.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { resolveCrc } from '../../../src/core/crc/index.js';
import { silentLogger } from '../../../src/core/log.js';
import { Registry } from '../../../src/core/registry.js';
import { Runner } from '../../../src/core/runner/runner.js';
import { collected, collectSink } from '../../helpers/components.js';
import { cobsEncode } from '../../helpers/encoders.js';

const registry = new Registry([...COMPONENTS, collectSink]);
const MODBUS = resolveCrc('CRC-16/MODBUS');
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** 20 COBS frames of 6 bytes + CRC-16/MODBUS: frames 3 and 11 have a flipped payload bit, frames 7 and 15 a broken COBS code. */
function capture(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 20; i++) {
    const frame = Buffer.alloc(8);
    frame.writeUInt32LE(i, 0);
    frame.writeUInt16LE(100 + i, 4);
    frame.writeUInt16LE(MODBUS.compute(frame, 0, 6), 6);
    if (i === 3 || i === 11) frame[1] ^= 0x20;
    const encoded = cobsEncode(frame);
    // A code byte that points past the frame's end: not valid COBS.
    if (i === 7 || i === 15) encoded[0] = 0x30;
    parts.push(encoded, Buffer.from([0]));
  }
  return Buffer.concat(parts);
}

const reasons = (batches: readonly RecordsBatch[]) =>
  batches.flatMap((b) => Array.from((b.columns.reason as StringColumn).codes, (c) => (b.columns.reason as StringColumn).dictionary[c]));

describe('two steps with the same dead_letter name', () => {
  it('both send their rejects to the one output', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dead-letter-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'sensor.bin'), capture());
    const plan = loadPipelineText(`
sources: { dev: { type: file, path: sensor.bin } }
transforms:
  readings:
    inputs: [dev]
    steps:
      - { type: frame, format: cobs, max_length: 64, dead_letter: rejected }
      - { type: crc, algorithm: CRC-16/MODBUS, dead_letter: rejected }
sinks:
  good: { type: collect, inputs: [readings] }
  rejected_out: { type: collect, inputs: [readings.rejected], keep: true }
`, registry, { dataDir: dir });
    const result = await new Runner(plan, { log: silentLogger, dataDir: dir }).run();
    expect(result.reason).toBe('completed');
    expect(collected.get('good')!.items).toBe(16);
    expect(reasons(collected.get('rejected_out')!.batches as RecordsBatch[]).sort()).toEqual(['crc', 'crc', 'encoding', 'encoding']);
    expect(result.metrics.get('readings/frame')!.errors.get('encoding')).toBe(2);
    expect(result.metrics.get('readings/crc')!.errors.get('crc')).toBe(2);
  });

  it('is an error, with file, line and key, when the name is also another kind of output', () => {
    const text = `
sources: { dev: { type: simulator, emit: records } }
transforms:
  t:
    inputs: [dev]
    steps:
      - { type: route, field: seq, routes: { rejected: 5 } }
      - { type: route, field: seq, routes: { rejected: 7 } }
sinks: { out: { type: collect, inputs: [t] } }
`;
    // Only dead letters share one schema; two route branches (or a branch and a dead letter) would mix batches.
    let error: unknown;
    try {
      loadPipelineText(text, registry, { file: 'p.yml' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      expect.objectContaining({ file: 'p.yml', line: 8, key: 'transforms.t.steps[1].routes.rejected', message: 'output "t.rejected" is already declared by step 0 (route); steps may share only a dead_letter output, so give this one another name' }),
    ]);
  });
});
