/**
 * Soak check of a recording: runs pipelines/harvest.yml (simulator -> frame -> crc -> decode ...)
 * with its samples going to a `parquet` sink, then compares records produced by the chain, records
 * written by the sink and rows DuckDB reads from the files. Every sample must arrive.
 *
 *   node --import tsx scripts/recording-soak.ts [--duration 10m] [--rate realtime|max] [--keep]
 *
 * The acceptance run is 10 minutes at the default (realtime) rate: 100 kHz samples, 850 kB/s of frames.
 * Too long for CI, so it is a script; it exits 1 when any count differs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseDocument } from 'yaml';
import { defaultRegistry } from '../src/components.js';
import { loadPipelineText } from '../src/core/config/load.js';
import { silentLogger } from '../src/core/log.js';
import { parseDurationMs } from '../src/core/options.js';
import { Runner } from '../src/core/runner/runner.js';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10m' }, rate: { type: 'string', default: 'realtime' }, keep: { type: 'boolean', default: false } } });
const root = path.resolve(import.meta.dirname, '..');
const doc = parseDocument(fs.readFileSync(path.join(root, 'pipelines/harvest.yml'), 'utf8'));
const transforms = doc.get('transforms') as { items?: { key: { value: string } }[] } | undefined;
const hasChain = transforms?.items?.some((i) => String(i.key.value) === 'samples') ?? false;
// With the decode chain in harvest.yml its `samples` are recorded; without it the simulator emits the
// same sample columns itself (emit: records), which exercises everything but framing and decoding.
const input = hasChain ? 'samples' : 'node';
if (!hasChain) doc.setIn(['sources', 'node', 'emit'], 'records');
doc.setIn(['sources', 'node', 'rate'], values.rate);
doc.deleteIn(['sinks']);
doc.setIn(['sinks', 'recording'], doc.createNode({ type: 'parquet', inputs: [input], path: 'recordings/{name}-{seq}.parquet', rotate: { every: '2m' } }));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recording-soak-'));
const plan = loadPipelineText(doc.toString(), defaultRegistry(), { file: path.join(root, 'pipelines/harvest.yml') });
const runner = new Runner(plan, { log: silentLogger, dataDir });

const durationMs = parseDurationMs(values.duration!);
console.log(`recording ${values.duration} of pipelines/harvest.yml (${hasChain ? 'its samples chain' : 'simulator emit: records'}) at rate ${values.rate} into ${dataDir}`);
const started = performance.now();
const timer = setTimeout(() => runner.stop(), durationMs);
const progress = setInterval(() => {
  const sink = runner.metrics.get('recording');
  console.log(`${((performance.now() - started) / 1000).toFixed(0)} s: ${sink?.itemsIn ?? 0} records written, queue ${sink?.queueDepth ?? 0} batches`);
}, 30_000);
const result = await runner.run();
clearTimeout(timer);
clearInterval(progress);

const chain = plan.transforms.find((t) => t.id === 'samples');
const producer = runner.metrics.get(chain ? chain.steps[chain.steps.length - 1].id : 'node')!;
const sink = runner.metrics.get('recording')!;
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const [row] = (await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet('${dataDir}/recordings/*.parquet')`)).getRowObjects();
connection.closeSync();
instance.closeSync();
const files = fs.readdirSync(path.join(dataDir, 'recordings'));
const counts = { produced: producer.itemsOut, written: sink.itemsIn, duckdb: Number(row.n), dropped: sink.drops, write_failed: sink.errors.get('write_failed') ?? 0 };
console.log(`run ${result.reason} after ${((performance.now() - started) / 1000).toFixed(1)} s; files: ${files.join(', ')}`);
console.log(JSON.stringify(counts));
const ok = result.reason !== 'failed' && counts.produced === counts.written && counts.written === counts.duckdb && counts.dropped === 0;
console.log(ok ? 'every sample produced was recorded' : 'MISMATCH: samples were lost');
if (!values.keep) fs.rmSync(dataDir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
