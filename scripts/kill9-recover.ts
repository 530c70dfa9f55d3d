/**
 * Kills a recording pipeline (parquet and arrow sinks together, rotating every 4 s) with SIGKILL at
 * a random moment, runs `recover` twice, and checks what is on disk: every file readable (Parquet by
 * DuckDB, Arrow by apache-arrow), no seq hole and no duplicate across files and rotations, nothing
 * left over, and the second recover changes nothing. Prints one line per try and a summary.
 *
 *   node --import tsx scripts/kill9-recover.ts [TRIES=40] [MIN_MS=1500] [MAX_MS=9000]
 * The kill delay counts from the first bytes on disk.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { recoverDirectory } from '../src/sinks/recording/recover.js';

const [tries = 40, minMs = 1500, maxMs = 9000] = process.argv.slice(2).map(Number);
const ROOT = path.resolve(import.meta.dirname, '..');

const PIPELINE = `name: kill9
sources: { node: { type: simulator, device: harvester } }
transforms:
  samples:
    inputs: [node]
    steps:
      - { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }
      - { type: crc, algorithm: CRC-16/IBM-3740, over: [1, -3], value: { offset: -3, type: u16le } }
      - type: decode
        fields: [ { name: seq, type: u16le, offset: 2 }, { name: t_ticks, type: u32le, offset: 4 } ]
        repeat: { offset: 10, index_as: i, fields: [ { name: voltage_raw, type: u32le }, { name: current_raw, type: u32le } ] }
      - { type: rollover, field: seq, bits: 16, reset_threshold: 4000 }
sinks:
  pq: { type: parquet, inputs: [samples], path: "recordings/pq-{seq}.parquet", rotate: { every: 4s } }
  ar: { type: arrow, inputs: [samples], path: "recordings/ar-{seq}.arrows", rotate: { every: 4s } }
`;

function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile()).sort();
}

function hashes(dir: string): string {
  return files(dir).map((f) => `${path.basename(f)} ${crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex')}`).join('\n');
}

/** Checks one format's files: all readable, seq contiguous, 25 rows per seq. */
async function check(kind: 'parquet' | 'arrows', list: string[], db: Awaited<ReturnType<DuckDBInstance['connect']>>) {
  let invalid = 0;
  const seqs: number[] = [];
  for (const file of list) {
    try {
      if (kind === 'parquet') {
        const rows = (await db.runAndReadAll(`SELECT seq::BIGINT AS seq FROM '${file}'`)).getRowObjects();
        for (const r of rows) seqs.push(Number(r.seq));
      } else {
        const table = tableFromIPC(fs.readFileSync(file));
        const column = table.getChild('seq');
        if (column) for (const v of column.toArray() as Iterable<number | bigint>) seqs.push(Number(v));
      }
    } catch {
      invalid++;
    }
  }
  const counts = new Map<number, number>();
  for (const s of seqs) counts.set(s, (counts.get(s) ?? 0) + 1);
  const distinct = [...counts.keys()].sort((a, b) => a - b);
  const holes = distinct.length === 0 ? 0 : distinct.at(-1)! - distinct[0] + 1 - distinct.length;
  // The first and last frame may be cut by the kill in one format only; inside, every seq has 25 rows.
  const uneven = distinct.slice(0, -1).filter((s) => counts.get(s) !== 25).length;
  return { invalid, holes, uneven, frames: distinct.length };
}

const summary = { tries: 0, invalid: 0, holes: 0, uneven: 0, leftovers: 0, emptyClaims: 0, idempotent: 0, recovered: 0 };
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
for (let t = 1; t <= tries; t++) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kill9-'));
  fs.writeFileSync(path.join(dir, 'p.yml'), PIPELINE);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli.ts'), 'run', path.join(dir, 'p.yml'), '--data-dir', dir, '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  // The delay counts from when the first bytes are on disk, so the kills land in the recording, not
  // in startup (which takes seconds on a loaded machine). Bounded: at most 1200 x 50 ms.
  const recordings = path.join(dir, 'recordings');
  const hasData = () => files(recordings).some((f) => fs.statSync(f).size > 0);
  for (let i = 0; i < 1200 && !hasData() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
  const delay = minMs + Math.random() * (maxMs - minMs);
  await new Promise((r) => setTimeout(r, delay));
  process.kill(child.pid!, 'SIGKILL');
  await new Promise((r) => child.once('close', r));
  const first = fs.existsSync(recordings) ? await recoverDirectory(recordings) : [];
  const after1 = hashes(recordings);
  const second = fs.existsSync(recordings) ? await recoverDirectory(recordings) : [];
  const idempotent = after1 === hashes(recordings) && second.every((r) => !r.file);
  const all = files(recordings);
  const left = all.filter((f) => f.endsWith('.partial') || f.endsWith('.journal') || f.endsWith('.recovering'));
  // An empty .partial younger than a minute is a name claimed by a writer killed before it wrote: recover leaves it.
  const emptyClaims = left.filter((f) => fs.statSync(f).size === 0).length;
  const leftovers = left.length - emptyClaims;
  const pq = await check('parquet', all.filter((f) => f.endsWith('.parquet')), db);
  const ar = await check('arrows', all.filter((f) => f.endsWith('.arrows')), db);
  summary.tries++;
  summary.invalid += pq.invalid + ar.invalid;
  summary.holes += pq.holes + ar.holes;
  summary.uneven += pq.uneven + ar.uneven;
  summary.leftovers += leftovers;
  summary.emptyClaims += emptyClaims;
  summary.idempotent += idempotent ? 1 : 0;
  summary.recovered += first.filter((r) => r.file && !r.problem).length;
  console.log(`try ${t}: killed ${(delay / 1000).toFixed(1)} s after the first bytes; recovered ${first.filter((r) => r.file && !r.problem).length} (${first.map((r) => r.problem ?? '').filter(Boolean).join('; ') || 'no problem'}); parquet ${pq.frames} frames invalid=${pq.invalid} holes=${pq.holes} uneven=${pq.uneven}; arrow ${ar.frames} frames invalid=${ar.invalid} holes=${ar.holes} uneven=${ar.uneven}; leftovers=${leftovers} empty claims=${emptyClaims}; idempotent=${idempotent}`);
  fs.rmSync(dir, { recursive: true, force: true });
}
db.closeSync();
instance.closeSync();
console.log(`summary: ${summary.tries} kills, ${summary.invalid} invalid files, ${summary.holes} seq holes, ${summary.uneven} frames without 25 rows, ${summary.leftovers} leftovers with data, ${summary.emptyClaims} empty name claims left by early kills, ${summary.recovered} files recovered, recover idempotent ${summary.idempotent}/${summary.tries}`);
