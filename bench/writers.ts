// Parquet writers on the harvest record job's columns (t_device_ns int64, voltage_raw and current_raw
// u32, in batches of 16,384 rows): parquet-wasm as the recorder drives it against DuckDB's native
// writer (@duckdb/node-api: an appender fills a table from data chunks, then COPY TO parquet zstd).
// Each contender runs as its own process (this file with --contender NAME), alternately (A B C, then
// C B A), BENCH_REPEATS rounds (default 3); the table quotes medians. A child generates its input
// first, then measures only the writing: wall, CPU of every thread of the process (process.cpuUsage,
// so DuckDB's threads count) and peak RSS (resourceUsage().maxRSS) with the growth over the input
// it holds. Each output is read back with DuckDB against figures taken from the generator itself.
//   node --import tsx bench/writers.ts
//   BENCH_WRITER_ROWS=1000000 BENCH_REPEATS=1 node --import tsx bench/writers.ts    (a quick look)
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Field } from '../src/core/batch.js';
import { createHarvester } from '../src/sources/simulator/harvester.js';
import { Prng } from '../src/sources/simulator/prng.js';
import { DATA_DIR } from './reference-input.js';
import { haveGnuTime, measure } from './support/measure.js';
import { median, report } from './support/report.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const ROWS = Number(process.env.BENCH_WRITER_ROWS ?? 10_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** Rows per batch: what the recorder sends its encoder at a time (SEND_ROWS in recorder.ts). */
const BATCH_ROWS = 16_384;
/** Rows per file when DuckDB writes as a streaming sink would have to: 8 row groups of the default size. */
const ROWS_PER_PART = 1_048_576;
const SEED = 20240601;
const FIELDS: Field[] = [
  { name: 't_device_ns', type: 'i64', time: 'device' },
  { name: 'voltage_raw', type: 'u32' },
  { name: 'current_raw', type: 'u32' },
];

interface Batch {
  readonly t: BigInt64Array<ArrayBuffer>;
  readonly v: Uint32Array<ArrayBuffer>;
  readonly c: Uint32Array<ArrayBuffer>;
  readonly length: number;
}

/**
 * The simulator's harvester (solar-cell I-V sweep with noise) as decoded samples: 25 per frame, 10 us
 * apart, each frame starting on the 250 us grid plus 0 to 4 us of jitter, so time stays monotonic.
 */
function* harvestBatches(rows: number): Generator<Batch> {
  const device = createHarvester({ sampleRateHz: 100_000, samplesPerFrame: 25 }, new Prng(SEED)).records!;
  const jitter = new Prng(SEED + 1);
  const frame = { i: new Uint32Array(25), voltage_raw: new Uint32Array(25), current_raw: new Uint32Array(25) };
  let frameIndex = 0;
  let sample = 25;
  let frameNs = 0;
  for (let first = 0; first < rows; first += BATCH_ROWS) {
    const length = Math.min(BATCH_ROWS, rows - first);
    const batch = { t: new BigInt64Array(length), v: new Uint32Array(length), c: new Uint32Array(length), length };
    for (let row = 0; row < length; row++) {
      if (sample === 25) {
        const ticks = frameIndex * 250 + jitter.int(0, 4);
        device.fill(frame, 0, frameIndex++, ticks);
        frameNs = ticks * 1000;
        sample = 0;
      }
      batch.t[row] = BigInt(frameNs + sample * 10_000);
      batch.v[row] = frame.voltage_raw[sample];
      batch.c[row] = frame.current_raw[sample];
      sample++;
    }
    yield batch;
  }
}

type Writer = (batches: readonly Batch[], dir: string) => Promise<void>;

/** parquet-wasm as the recorder's encoder worker drives it, Arrow IPC chunks built as recorder.ts builds them. */
async function parquetWasm(journal: boolean): Promise<Writer> {
  const { parquetSink } = await import('../src/sinks/parquet.js');
  const { columnEncodings, statisticsColumns } = await import('../src/sinks/recording/parquet-settings.js');
  const { ParquetStream } = await import('../src/sinks/recording/parquet-stream.js');
  const { openPart } = await import('../src/sinks/recording/parts.js');
  const { batchToIpcChunk } = await import('../src/sinks/recording/ipc.js');
  const { arrowSchema, recordsToArrow } = await import('../src/core/arrow.js');
  const { recordsBatch } = await import('../src/core/batch.js');
  const { createClock } = await import('../src/core/clock.js');
  const defaults = parquetSink.options.parse({ path: 'writers.parquet' });
  const settings = {
    compression: defaults.compression,
    rowGroupSize: defaults.row_group_size,
    encodings: columnEncodings(FIELDS, defaults.encodings),
    statistics: statisticsColumns(FIELDS, defaults.statistics),
    createdBy: 'bench/writers.ts',
    metadata: [],
  };
  const conversion = { timestampUnit: defaults.timestamp_unit, deviceTime: defaults.device_time };
  const schema = arrowSchema({ fields: FIELDS }, conversion);
  const clock = createClock();
  const chunk = (b: Batch) => batchToIpcChunk(recordsToArrow(recordsBatch('node', FIELDS, { t_device_ns: b.t, voltage_raw: b.v, current_raw: b.c }, b.length), clock, conversion, schema));
  if (!journal) {
    return async (batches, dir) => {
      const stream = new ParquetStream(path.join(dir, 'harvest.parquet'), settings);
      for (const b of batches) await stream.append(chunk(b), b.length);
      await stream.finish();
    };
  }
  // The worker's Part: the journal beside the .partial, synced every flush_interval, renamed at the end.
  return async (batches, dir) => {
    const finalPath = path.join(dir, 'harvest.parquet');
    writeFileSync(`${finalPath}.partial`, '');
    const part = openPart({ type: 'open', file: 1, format: 'parquet', partialPath: `${finalPath}.partial`, finalPath, journalPath: `${finalPath}.journal`, parquet: settings });
    const timer = setInterval(() => part.sync(), defaults.flush_interval);
    try {
      for (const b of batches) await part.append(chunk(b), b.length);
      await part.close();
    } finally {
      clearInterval(timer);
    }
  };
}

/**
 * DuckDB: data chunks filled from the typed arrays by memory copy (the bindings' copy_data_to_vector;
 * filling them through JavaScript values took about 3x as long in issue 16's first look), appended to
 * a table in memory or in a database file, then COPY TO Parquet: once at the end, or every
 * `rowsPerFile` rows into a new file, as a streaming sink would have to (COPY writes whole files).
 */
async function duckdb({ database, rowsPerFile = Infinity, memoryLimit }: { database: 'memory' | 'file'; rowsPerFile?: number; memoryLimit?: string }): Promise<Writer> {
  const { DuckDBInstance, DuckDBDataChunk, BIGINT, UINTEGER } = await import('@duckdb/node-api');
  const { default: bindings } = await import('@duckdb/node-bindings');
  const { parquetSink } = await import('../src/sinks/parquet.js');
  const rowGroupSize = parquetSink.options.parse({ path: 'writers.parquet' }).row_group_size;
  // PARQUET_VERSION V2: DELTA_BINARY_PACKED for integers, as our settings; V1 would write time PLAIN.
  const copyOptions = `FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${rowGroupSize}, PARQUET_VERSION V2`;
  const vectorSize = 2048; // DuckDB's STANDARD_VECTOR_SIZE: the most rows a data chunk takes
  return async (batches, dir) => {
    const bufferPath = path.join(dir, 'buffer.duckdb');
    const instance = await DuckDBInstance.create(database === 'file' ? bufferPath : ':memory:');
    const connection = await instance.connect();
    if (memoryLimit) await connection.run(`SET memory_limit = '${memoryLimit}'`);
    const chunk = DuckDBDataChunk.create([BIGINT, UINTEGER, UINTEGER]);
    const vectors = [0, 1, 2].map((i) => bindings.data_chunk_get_vector(chunk.chunk, i));
    const create = async () => {
      await connection.run('CREATE OR REPLACE TABLE buf (t_device_ns BIGINT, voltage_raw UINTEGER, current_raw UINTEGER)');
      return connection.createAppender('buf');
    };
    let appender = await create();
    let part = 0;
    let rowsInFile = 0;
    const copy = async () => {
      appender.closeSync();
      await connection.run(`COPY buf TO '${path.join(dir, `part-${String(part++).padStart(4, '0')}.parquet`)}' (${copyOptions})`);
      rowsInFile = 0;
    };
    for (const b of batches) {
      for (let offset = 0; offset < b.length; offset += vectorSize) {
        const n = Math.min(vectorSize, b.length - offset);
        chunk.reset();
        bindings.copy_data_to_vector(vectors[0], 0, b.t.buffer, b.t.byteOffset + offset * 8, n * 8);
        bindings.copy_data_to_vector(vectors[1], 0, b.v.buffer, b.v.byteOffset + offset * 4, n * 4);
        bindings.copy_data_to_vector(vectors[2], 0, b.c.buffer, b.c.byteOffset + offset * 4, n * 4);
        chunk.rowCount = n;
        appender.appendDataChunk(chunk);
      }
      rowsInFile += b.length;
      if (rowsInFile >= rowsPerFile) {
        await copy();
        appender = await create();
      }
    }
    if (rowsInFile > 0) await copy();
    else appender.closeSync();
    connection.closeSync();
    instance.closeSync();
    rmSync(bufferPath, { force: true });
    rmSync(`${bufferPath}.wal`, { force: true });
  };
}

const CONTENDERS: Record<string, () => Promise<Writer>> = {
  'parquet-wasm (ParquetStream)': () => parquetWasm(false),
  'parquet-wasm + journal (recorder Part)': () => parquetWasm(true),
  'duckdb memory table, one COPY': () => duckdb({ database: 'memory' }),
  [`duckdb memory table, COPY per ${ROWS_PER_PART} rows`]: () => duckdb({ database: 'memory', rowsPerFile: ROWS_PER_PART }),
  'duckdb file table, one COPY': () => duckdb({ database: 'file' }),
  // The default memory_limit is 80 % of RAM, which does not keep the buffer from growing with the file.
  'duckdb file table, memory_limit 100MB, one COPY': () => duckdb({ database: 'file', memoryLimit: '100MB' }),
};

const { values } = parseArgs({ options: { contender: { type: 'string' }, out: { type: 'string' } } });
if (values.contender) await runContender(values.contender, values.out!);
else await compare();

/**
 * One contender in this process: import, generate, write one batch to warm up (code pages, JIT, as
 * in a recorder that has been running), then measure the writing alone; prints one JSON line.
 */
async function runContender(name: string, dir: string): Promise<void> {
  const write = await CONTENDERS[name]();
  const batches = [...harvestBatches(ROWS)];
  const warmUp = path.join(dir, 'warm-up');
  mkdirSync(warmUp);
  await write(batches.slice(0, 1), warmUp);
  rmSync(warmUp, { recursive: true });
  const inputRssKb = process.resourceUsage().maxRSS;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await write(batches, dir);
  const wallS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const peakRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ wall_s: wallS, cpu_s: (cpu.user + cpu.system) / 1e6, peak_rss_mb: peakRssKb / 1024, input_rss_mb: inputRssKb / 1024 }) + '\n');
}

interface Expected {
  rows: bigint;
  sums: [bigint, bigint, bigint];
  tMin: bigint;
  tMax: bigint;
}

/** Count, column sums and time range from the generator, with no writer in between. */
function expected(): Expected {
  const out: Expected = { rows: 0n, sums: [0n, 0n, 0n], tMin: BigInt(Number.MAX_SAFE_INTEGER), tMax: -1n };
  for (const b of harvestBatches(ROWS)) {
    let v = 0;
    let c = 0;
    for (let i = 0; i < b.length; i++) {
      const t = b.t[i];
      out.sums[0] += t;
      if (t < out.tMin) out.tMin = t;
      if (t > out.tMax) out.tMax = t;
      v += b.v[i];
      c += b.c[i];
    }
    out.rows += BigInt(b.length);
    out.sums[1] += BigInt(v);
    out.sums[2] += BigInt(c);
  }
  return out;
}

/** Reads every Parquet file of `dir` back with DuckDB; throws unless it matches `want` exactly and in order. */
async function readBack(dir: string, want: Expected): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  try {
    const files = `read_parquet('${dir}/*.parquet', filename = true, file_row_number = true)`;
    const [got] = (
      await db.runAndReadAll(`SELECT count(*)::BIGINT AS rows, sum(t_device_ns)::HUGEINT AS t, sum(voltage_raw)::HUGEINT AS v, sum(current_raw)::HUGEINT AS c,
        min(t_device_ns) AS t_min, max(t_device_ns) AS t_max, any_value(typeof(t_device_ns) || ',' || typeof(voltage_raw) || ',' || typeof(current_raw)) AS types FROM ${files}`)
    ).getRowObjects();
    const [order] = (await db.runAndReadAll(`SELECT count(*)::BIGINT AS back FROM (SELECT t_device_ns - lag(t_device_ns) OVER (ORDER BY filename, file_row_number) AS step FROM ${files}) WHERE step <= 0`)).getRowObjects();
    const checks: [string, unknown, unknown][] = [
      ['rows', got.rows, want.rows],
      ['sum(t_device_ns)', got.t, want.sums[0]],
      ['sum(voltage_raw)', got.v, want.sums[1]],
      ['sum(current_raw)', got.c, want.sums[2]],
      ['min(t_device_ns)', got.t_min, want.tMin],
      ['max(t_device_ns)', got.t_max, want.tMax],
      ['types', got.types, 'BIGINT,UINTEGER,UINTEGER'],
      ['steps back in time', order.back, 0n],
    ];
    const wrong = checks.filter(([, a, b]) => a !== b).map(([what, a, b]) => `${what} ${a} != ${b}`);
    if (wrong.length > 0) throw new Error(`${dir}: read back wrong: ${wrong.join('; ')}`);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}

function parquetFiles(dir: string): { files: number; bytes: number } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.parquet'));
  return { files: files.length, bytes: files.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0) };
}

/** Disk usage of installed packages in MB (du -sk), as a user's node_modules holds them. */
function installMb(packages: readonly string[]): number {
  const du = spawnSync('du', ['-skL', ...packages.map((p) => path.join(ROOT, 'node_modules', p))], { encoding: 'utf8' });
  if (du.status !== 0) throw new Error(`du failed: ${du.stderr}`);
  return du.stdout.trim().split('\n').reduce((sum, line) => sum + Number(line.split('\t')[0]), 0) / 1024;
}

interface Run {
  wallS: number;
  cpuS: number;
  peakRssMb: number;
  inputRssMb: number;
  files: number;
  bytes: number;
}

async function compare(): Promise<void> {
  if (!haveGnuTime()) throw new Error('/usr/bin/time is missing: apt-get install -y time');
  const want = expected();
  const names = Object.keys(CONTENDERS);
  const runs = new Map<string, Run[]>(names.map((n) => [n, []]));
  const work = path.join(DATA_DIR, 'writers');
  for (let round = 0; round < REPEATS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      rmSync(work, { recursive: true, force: true });
      mkdirSync(work, { recursive: true });
      const measured = await measure(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--contender', name, '--out', work]);
      const r = measured.result as { wall_s: number; cpu_s: number; peak_rss_mb: number; input_rss_mb: number };
      await readBack(work, want);
      const run: Run = { wallS: r.wall_s, cpuS: r.cpu_s, peakRssMb: r.peak_rss_mb, inputRssMb: r.input_rss_mb, ...parquetFiles(work) };
      runs.get(name)!.push(run);
      console.log(`round ${round + 1}/${REPEATS} ${name}: ${run.wallS.toFixed(2)} s, cpu ${run.cpuS.toFixed(2)} s, rss ${run.peakRssMb.toFixed(0)} MB (+${(run.peakRssMb - run.inputRssMb).toFixed(0)}), ${(run.bytes / 1e6).toFixed(1)} MB in ${run.files} file(s)`);
    }
  }
  rmSync(work, { recursive: true, force: true });
  const reference = runs.get(names[0])!;
  const rows = names.map((name) => {
    const list = runs.get(name)!;
    const pick = (of: (r: Run) => number) => median(list.map(of));
    return {
      writer: name,
      files: list[0].files,
      'wall s': pick((r) => r.wallS).toFixed(2),
      'CPU s': pick((r) => r.cpuS).toFixed(2),
      'M rows/CPU-s': pick((r) => ROWS / r.cpuS / 1e6).toFixed(2),
      'parquet-wasm CPU / this': median(list.map((r, i) => reference[i].cpuS / r.cpuS)).toFixed(2) + 'x',
      'peak RSS MB': pick((r) => r.peakRssMb).toFixed(0),
      'RSS over input MB': pick((r) => r.peakRssMb - r.inputRssMb).toFixed(0),
      'file MB': pick((r) => r.bytes / 1e6).toFixed(1),
      'read back': 'exact',
    };
  });
  report('writers', rows, [
    `${ROWS} rows (t_device_ns int64, voltage_raw u32, current_raw u32) in batches of ${BATCH_ROWS}; ${REPEATS} alternating rounds, medians (the CPU ratio: median over rounds of the ratio within a round); every output read back by DuckDB: rows, column sums, min/max time and order exactly as generated`,
    `times cover the writing only (imports, input generation and a one-batch warm-up come before); CPU counts every thread of the child; "RSS over input" = peak RSS minus the peak before writing (input ${median(names.flatMap((n) => runs.get(n)!.map((r) => r.inputRssMb))).toFixed(0)} MB incl. tsx)`,
    'parquet-wasm runs the encoder on the main thread here (the recorder runs it in a worker thread, conversion on the main thread): same CPU, no overlap',
    `install size: parquet-wasm ${installMb(['parquet-wasm']).toFixed(1)} MB (+ apache-arrow ${installMb(['apache-arrow']).toFixed(1)} MB for the IPC chunks, also used by the arrow sink and the journal); @duckdb/* ${installMb(readdirSync(path.join(ROOT, 'node_modules/@duckdb')).map((p) => `@duckdb/${p}`)).toFixed(1)} MB`,
  ]);
}
