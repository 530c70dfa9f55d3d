// Node peer: the stack a Node user assembles from npm for the harvest job. A file read stream piped
// into @serialport/parser-packet-length (delimiter 0x7B, u16 length at offset 8, 13 bytes of
// overhead), the `crc` package's crc16ccitt (CRC-16/IBM-3740, init 0xFFFF) over bytes 1 .. 9+N,
// one JS object per sample, and parquetjs-lite writing a SNAPPY-compressed Parquet file.
//   node --import tsx bench/peers/node/harvest.ts INPUT OUT.parquet [--max-bytes N]
// Prints one JSON line: frames good/bad, samples, sums of the raw values (to compare decoders).
//
// Known flaws of this stack, kept because that is what users get:
// - The packet-length parser trusts the first 0x7B it sees: garbage containing 0x7B makes it read a
//   bogus length and swallow the real frame behind it (resync losses); it copies the buffer for
//   every byte (Buffer.concat per byte), which is what limits its speed.
// - parquetjs-lite writes INT64 through JavaScript numbers: nanosecond timestamps above 2^53 (any
//   absolute epoch time in ns) are rounded; here device time from 0 stays below 2^53.
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { PacketLengthParser } from '@serialport/parser-packet-length';
import { crc16ccitt } from 'crc';

interface ParquetWriter {
  appendRow(row: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}
interface ParquetLite {
  ParquetSchema: new (fields: Record<string, { type: string; compression?: string }>) => unknown;
  ParquetWriter: { openFile(schema: unknown, path: string): Promise<ParquetWriter> };
}
// parquetjs-lite is CommonJS without type declarations.
const parquet = createRequire(import.meta.url)('parquetjs-lite') as ParquetLite;

const MAX_PAYLOAD = 4096;
const TICK_NS = 1000;
const SAMPLE_STEP_NS = 10_000;

const [input, output] = process.argv.slice(2);
const maxBytesAt = process.argv.indexOf('--max-bytes');
const maxBytes = maxBytesAt > 0 ? Number(process.argv[maxBytesAt + 1]) : 0;
if (!input || !output) {
  process.stderr.write('usage: harvest.ts INPUT OUT.parquet [--max-bytes N]\n');
  process.exit(2);
}

const schema = new parquet.ParquetSchema({
  t_ns: { type: 'INT64', compression: 'SNAPPY' },
  voltage: { type: 'DOUBLE', compression: 'SNAPPY' },
  current: { type: 'DOUBLE', compression: 'SNAPPY' },
});
const writer = await parquet.ParquetWriter.openFile(schema, output);
// readableObjectMode keeps one chunk per packet for `for await` (a byte-mode Transform would join
// queued packets into one chunk); the loop awaits the writer, so the file stream is paused meanwhile.
const parser = new PacketLengthParser({ delimiter: 0x7b, lengthOffset: 8, lengthBytes: 2, packetOverhead: 13, maxLen: MAX_PAYLOAD, readableObjectMode: true });
const stream = createReadStream(input, maxBytes > 0 ? { end: maxBytes - 1 } : {});
let bytesIn = 0;
stream.on('data', (chunk) => (bytesIn += chunk.length));

let good = 0;
let bad = 0;
let samples = 0;
let sumVoltage = 0n;
let sumCurrent = 0n;
let lastTicks = 0;
let wraps = 0;
for await (const frame of stream.pipe(parser) as AsyncIterable<Buffer>) {
  const n = frame.length >= 10 ? frame.readUInt16LE(8) : -1;
  if (n < 0 || frame.length !== n + 13 || frame[frame.length - 1] !== 0x7d || crc16ccitt(frame.subarray(1, 10 + n)) !== frame.readUInt16LE(10 + n)) {
    bad++;
    continue;
  }
  good++;
  const ticks = frame.readUInt32LE(4);
  if (ticks < lastTicks) wraps++;
  lastTicks = ticks;
  const frameNs = (wraps * 2 ** 32 + ticks) * TICK_NS;
  let frameVoltage = 0;
  let frameCurrent = 0;
  for (let i = 0; i < n / 8; i++) {
    const voltageRaw = frame.readUInt32LE(10 + i * 8);
    const currentRaw = frame.readUInt32LE(14 + i * 8);
    frameVoltage += voltageRaw;
    frameCurrent += currentRaw;
    await writer.appendRow({ t_ns: frameNs + i * SAMPLE_STEP_NS, voltage: voltageRaw * 3e-9, current: currentRaw * 250e-12 });
    samples++;
  }
  sumVoltage += BigInt(frameVoltage);
  sumCurrent += BigInt(frameCurrent);
}
await writer.close();
const result = { peer: 'node', bytes_in: bytesIn, frames_good: good, frames_bad: bad, samples, sum_voltage_raw: String(sumVoltage), sum_current_raw: String(sumCurrent) };
process.stdout.write(`${JSON.stringify(result)}\n`);
