/**
 * The raw capture format: device bytes with their host receive times, so a file source can replay a
 * session at the recorded pace. Little-endian:
 *
 *   magic "TPCAP1\n\0" (8 bytes) | u32 header length | header JSON (UTF-8)
 *   then chunks: f64 host time ns (relative to the anchor) | u32 length | bytes
 *
 * The header holds `anchor_wall_ns` (string, ns since the Unix epoch) and the source id. A chunk is
 * appended whole or the file ends mid-chunk (a crash); readers stop at an incomplete chunk.
 */
export const CAPTURE_MAGIC = Buffer.from('TPCAP1\n\0', 'latin1');
export const CHUNK_HEADER_BYTES = 12;

export interface CaptureHeader {
  readonly anchor_wall_ns: string;
  readonly source: string;
  readonly created: string;
  readonly pipeline?: string;
}

export function encodeCaptureHeader(header: CaptureHeader): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(12);
  CAPTURE_MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(json.length, 8);
  return Buffer.concat([prefix, json]);
}

export function encodeChunkHeader(hostTimeNs: number, length: number): Buffer {
  const header = Buffer.alloc(CHUNK_HEADER_BYTES);
  header.writeDoubleLE(hostTimeNs, 0);
  header.writeUInt32LE(length, 8);
  return header;
}

export function isCapture(start: Buffer): boolean {
  return start.length >= CAPTURE_MAGIC.length && start.subarray(0, CAPTURE_MAGIC.length).equals(CAPTURE_MAGIC);
}

/** Parses the header at the start of a capture file; returns it and where the chunks begin. */
export function decodeCaptureHeader(start: Buffer): { header: CaptureHeader; dataOffset: number } {
  if (!isCapture(start)) throw new Error('not a capture file (missing TPCAP1 magic)');
  if (start.length < 12) throw new Error('capture file header is truncated');
  const length = start.readUInt32LE(8);
  if (start.length < 12 + length) throw new Error('capture file header is truncated');
  return { header: JSON.parse(start.subarray(12, 12 + length).toString('utf8')) as CaptureHeader, dataOffset: 12 + length };
}
