// Byte operators: frame + crc (CRC-16/IBM-3740) + decode over reference frames (213 bytes, the
// harvester's 25 samples) fed in reads of random size, against @serialport/parser-packet-length plus
// the `crc` package, the pieces a Node user would reach for. Runs alternate and medians are reported.
//   node --import tsx bench/byte-operators.ts        (BENCH_MB=200 BENCH_PEER_MB=4 BENCH_REPEATS=5)
import { PacketLengthParser } from '@serialport/parser-packet-length';
import { crc16ccitt } from 'crc';
import { from, type Observable, type OperatorFunction } from 'rxjs';
import { bytesBatch, type Batch, type BytesBatch } from '../src/core/batch.js';
import { buildOperator, standaloneContext } from '../src/core/standalone.js';
import { crcOperator } from '../src/operators/crc/index.js';
import { decodeOperator } from '../src/operators/decode/index.js';
import { frameOperator } from '../src/operators/frame/index.js';
import { sealFrame } from '../src/sources/simulator/protocol.js';
import { machine, median, report } from './support/report.js';

const TOTAL_BYTES = Number(process.env.BENCH_MB ?? 200) * 1e6;
const PEER_BYTES = Number(process.env.BENCH_PEER_MB ?? 4) * 1e6;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const MAX_READ = Number(process.env.BENCH_MAX_READ ?? 16384);
const FRAME = 213;
const PAYLOAD = 200;

const FRAME_STEP = { start: 0x7b, end: 0x7d, length: { offset: 8, type: 'u16le' as const, adjust: 13 } };
const CRC_STEP = { algorithm: 'CRC-16/IBM-3740', over: [1, -3] as [number, number], value: { offset: -3, type: 'u16le' as const } };
const DECODE_STEP = {
  fields: [
    { name: 'seq', type: 'u16le' as const, offset: 2 },
    { name: 't_ticks', type: 'u32le' as const, offset: 4 },
  ],
  repeat: { offset: 10, index_as: 'i', fields: [{ name: 'voltage_raw', type: 'u32le' as const }, { name: 'current_raw', type: 'u32le' as const }] },
};

/** xorshift32, enough for payload bytes and read sizes. */
function xorshift(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
}

function makeStream(bytes: number): { data: Buffer; frames: number } {
  const frames = Math.floor(bytes / FRAME);
  const data = Buffer.allocUnsafe(frames * FRAME);
  const next = xorshift(7);
  for (let f = 0; f < frames; f++) {
    const at = f * FRAME;
    for (let i = 0; i < PAYLOAD; i += 4) data.writeUInt32LE(next(), at + 10 + i);
    sealFrame(data, at, 0x01, f, f * 250, PAYLOAD);
  }
  return { data, frames };
}

/** Reads of random size in [1, MAX_READ], as views of the stream (the source's buffers). */
function reads(data: Buffer): BytesBatch[] {
  const next = xorshift(11);
  const out: BytesBatch[] = [];
  for (let at = 0; at < data.length; ) {
    const size = Math.min(1 + (next() % MAX_READ), data.length - at);
    out.push(bytesBatch('dev', data.subarray(at, at + size), out.length));
    at += size;
  }
  return out;
}

type Step = [typeof frameOperator | typeof crcOperator | typeof decodeOperator, object];

function runOurs(batches: BytesBatch[], steps: Step[]): { ms: number; frames: number; rows: number } {
  const operators = steps.map(([definition, options], k) => buildOperator(definition as never, options as never, standaloneContext(`s${k}`)).operator as OperatorFunction<Batch, Batch>);
  let frames = 0;
  let rows = 0;
  const start = performance.now();
  let stream: Observable<Batch> = from(batches);
  for (const op of operators) stream = stream.pipe(op);
  stream.subscribe((b) => {
    if (b.kind === 'frames') frames += b.count;
    else if (b.kind === 'records') rows += b.length;
  });
  return { ms: performance.now() - start, frames, rows };
}

function runPeer(batches: BytesBatch[]): { ms: number; frames: number } {
  const parser = new PacketLengthParser({ delimiter: 0x7b, packetOverhead: 13, lengthBytes: 2, lengthOffset: 8, maxLen: 4096 });
  let frames = 0;
  parser.on('data', (packet: Buffer) => {
    if (packet[packet.length - 1] !== 0x7d) return;
    if (crc16ccitt(packet.subarray(1, packet.length - 3)) === packet.readUInt16LE(packet.length - 3)) frames++;
  });
  const start = performance.now();
  for (const b of batches) parser.write(b.data);
  return { ms: performance.now() - start, frames };
}

const { data, frames } = makeStream(TOTAL_BYTES);
const ourReads = reads(data);
const peerData = data.subarray(0, Math.floor(PEER_BYTES / FRAME) * FRAME);
const peerReads = reads(peerData);
const peerFrames = peerData.length / FRAME;

const variants: { name: string; steps: Step[]; unit: 'frames' | 'rows' }[] = [
  { name: 'frame only (length + end byte)', steps: [[frameOperator, FRAME_STEP]], unit: 'frames' },
  { name: 'frame with crc option', steps: [[frameOperator, { ...FRAME_STEP, crc: CRC_STEP }]], unit: 'frames' },
  { name: 'frame -> crc (harvest steps)', steps: [[frameOperator, FRAME_STEP], [crcOperator, CRC_STEP]], unit: 'frames' },
  { name: 'frame (crc option) -> decode', steps: [[frameOperator, { ...FRAME_STEP, crc: CRC_STEP }], [decodeOperator, DECODE_STEP]], unit: 'rows' },
];
const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const peerTimes: number[] = [];
const gc = (globalThis as { gc?: () => void }).gc;

for (let round = 0; round < REPEATS; round++) {
  for (const v of variants) {
    gc?.();
    const r = runOurs(ourReads, v.steps);
    const got = v.unit === 'frames' ? r.frames : r.rows;
    const want = v.unit === 'frames' ? frames : frames * 25;
    if (got !== want) throw new Error(`${v.name}: ${got} ${v.unit}, expected ${want}`);
    times.get(v.name)!.push(r.ms);
    gc?.();
    const p = runPeer(peerReads);
    if (p.frames !== peerFrames) throw new Error(`peer: ${p.frames} frames, expected ${peerFrames}`);
    peerTimes.push(p.ms);
  }
}

const peerMs = median(peerTimes);
const peerRate = peerFrames / (peerMs / 1000);
const rows: Record<string, string | number>[] = variants.map((v) => {
  const ms = median(times.get(v.name)!);
  const rate = frames / (ms / 1000);
  return { pipeline: v.name, 'MB/s': (data.length / 1e6 / (ms / 1000)).toFixed(0), 'M frames/s': (rate / 1e6).toFixed(2), 'x peer': (rate / peerRate).toFixed(0), runs: REPEATS };
});
rows.push({ pipeline: 'peer: parser-packet-length + crc', 'MB/s': (peerData.length / 1e6 / (peerMs / 1000)).toFixed(1), 'M frames/s': (peerRate / 1e6).toFixed(4), 'x peer': 1, runs: peerTimes.length });
report('byte-operators', rows, [
  `${(data.length / 1e6).toFixed(0)} MB of ${FRAME}-byte frames (${frames} frames) in ${ourReads.length} reads of 1..${MAX_READ} bytes; peer on the first ${(peerData.length / 1e6).toFixed(1)} MB (it is too slow for all of it).`,
  `Medians of ${REPEATS} alternating rounds (each variant followed by a peer run). Machine: ${JSON.stringify(machine())}.`,
  'Goal (issue 3): frame + crc >= 3 M frames/s and >= 30x the peer.',
]);
