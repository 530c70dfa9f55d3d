import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterEach } from 'vitest';
import type { z } from 'zod';
import { type Field, type RecordsBatch, recordsBatch } from '../../../src/core/batch.js';
import type { SinkDefinition } from '../../../src/core/component.js';
import { type StandaloneContext, standaloneContext } from '../../../src/core/standalone.js';

/** Columns like the harvest chain's: host time, device ticks that wrap, raw and calibrated values. */
export const HARVEST_FIELDS: Field[] = [
  { name: 'time', type: 'f64', time: 'host', unit: 'ns' },
  { name: 't_ticks', type: 'u32', unit: 'us' },
  { name: 't_device_ns', type: 'f64', time: 'device', unit: 'ns' },
  { name: 'voltage_raw', type: 'u32' },
  { name: 'voltage', type: 'f32', unit: 'V', calibration: { raw: 'voltage_raw', gain: 3e-9, offset: 0 } },
  { name: 'current', type: 'f32', unit: 'A' },
  { name: 'node', type: 'string' },
];

const NODES = ['n1', 'n2'];

/**
 * Rows `first .. first+n-1`: 10 us apart; t_ticks starts at `tickBase` and wraps at 2^32;
 * voltage_raw = row; voltage = row * 0.5 (exact in float32 below 2^24); node alternates every `nodeRun` rows.
 */
export function harvestBatch(first: number, n: number, options: { tickBase?: number; nodeRun?: number } = {}): RecordsBatch {
  const tickBase = options.tickBase ?? 0;
  const nodeRun = options.nodeRun ?? Number.MAX_SAFE_INTEGER;
  const time = new Float64Array(n);
  const ticks = new Uint32Array(n);
  const device = new Float64Array(n);
  const raw = new Uint32Array(n);
  const voltage = new Float32Array(n);
  const current = new Float32Array(n);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = first + i;
    time[i] = row * 10_000;
    ticks[i] = (tickBase + row * 10) >>> 0;
    device[i] = (tickBase + row * 10) * 1000;
    raw[i] = row;
    voltage[i] = row * 0.5;
    current[i] = 0.25;
    codes[i] = Math.floor(row / nodeRun) % 2;
  }
  return recordsBatch('node', HARVEST_FIELDS, { time, t_ticks: ticks, t_device_ns: device, voltage_raw: raw, voltage, current, node: { codes, dictionary: NODES } }, n);
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** Temporary directories for the tests of one file, each removed after the test that made it. */
export function scratchDirs(): (prefix: string) => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = tempDir(prefix);
    dirs.push(dir);
    return dir;
  };
}

/** Runs a sink over batches as the runner would (sequential writes, then close). */
export async function record<S extends SinkDefinition>(definition: S, rawOptions: unknown, batches: readonly RecordsBatch[], dataDir: string, context?: StandaloneContext) {
  const ctx = context ?? standaloneContext(definition.type, { dataDir, kind: 'sink', type: definition.type });
  const options = definition.options.parse(rawOptions) as z.output<S['options']>;
  const sink = await definition.create(options, ctx);
  for (const batch of batches) await sink.write(batch);
  await sink.close();
  return ctx;
}

/** Runs queries against an in-memory DuckDB, an independent reader of our files. */
export async function withDuckDB<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return await fn(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function query(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjects() as Record<string, unknown>[];
}

/** Files below `dir` (recursively) whose names end with `suffix`. */
export function filesEndingWith(dir: string, suffix: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(suffix)).map((f) => path.join(dir, f)).sort();
}
