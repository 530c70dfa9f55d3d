import * as arrow from 'apache-arrow';

/**
 * Arrow IPC stream framing. Each batch travels as a self-contained stream (schema, its dictionaries,
 * the record batch, end marker), which the Parquet encoder can read on its own; a file on disk is one
 * continuous stream (schema once, then dictionaries and batches), so a chunk is trimmed before it is
 * appended. A message is: 0xFFFFFFFF, int32 metadata length, metadata (flatbuffer), body.
 */

const CONTINUATION = 0xffffffff;
const PREFIX = 8;
/** The end-of-stream marker: continuation then a zero length. */
export const END_OF_STREAM = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Serializes one record batch as a complete IPC stream. */
export function batchToIpcChunk(batch: arrow.RecordBatch): Uint8Array {
  // The writer directly, not tableToIPC: no Table to build per batch.
  const writer = new arrow.RecordBatchStreamWriter();
  writer.write(batch);
  writer.finish();
  return writer.toUint8Array(true);
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Length in bytes of the schema message at the start of a chunk (schemas have no body). */
export function schemaMessageLength(chunk: Uint8Array): number {
  const dv = view(chunk);
  if (chunk.byteLength < PREFIX || dv.getUint32(0, true) !== CONTINUATION) throw new Error('arrow ipc: chunk does not start with a message');
  return PREFIX + dv.getInt32(4, true);
}

/** The chunk without its end marker (and without its schema unless `withSchema`), ready to append. */
export function chunkBody(chunk: Uint8Array, withSchema: boolean): Uint8Array {
  const endsWithEos = chunk.byteLength >= PREFIX && view(chunk).getUint32(chunk.byteLength - 8, true) === CONTINUATION && view(chunk).getInt32(chunk.byteLength - 4, true) === 0;
  const end = endsWithEos ? chunk.byteLength - PREFIX : chunk.byteLength;
  return chunk.subarray(withSchema ? 0 : schemaMessageLength(chunk), end);
}

/** A parsed stream: its schema message and, per record batch, the dictionaries and batch before it. */
export interface ScannedStream {
  readonly schema: Uint8Array;
  /** Each entry is self-contained with `schema` in front: dictionary messages then one record batch. */
  readonly batches: Uint8Array[];
  /** Row count of each batch. */
  readonly rows: number[];
  /** The schema's key-value metadata. */
  readonly metadata: Map<string, string>;
  /** Bytes up to the end of the last complete record batch. */
  readonly validLength: number;
  /** True when the stream ended with an end marker (closed cleanly). */
  readonly ended: boolean;
}

/**
 * Walks the messages of a stream that may have been cut anywhere (a hard kill during a write) and
 * keeps every complete record batch. Returns undefined when not even the schema is complete.
 */
export function scanIpcStream(bytes: Uint8Array): ScannedStream | undefined {
  const dv = view(bytes);
  let offset = 0;
  let schema: Uint8Array | undefined;
  let batchStart = 0;
  let validLength = 0;
  let metadata = new Map<string, string>();
  const batches: Uint8Array[] = [];
  const rows: number[] = [];
  while (offset + PREFIX <= bytes.byteLength) {
    if (dv.getUint32(offset, true) !== CONTINUATION) break;
    const metadataLength = dv.getInt32(offset + 4, true);
    if (metadataLength === 0) return schema ? { schema, batches, rows, metadata, validLength, ended: true } : undefined;
    const metadataEnd = offset + PREFIX + metadataLength;
    if (metadataLength < 0 || metadataEnd > bytes.byteLength) break;
    let message: arrow.Message;
    try {
      message = arrow.Message.decode(bytes.subarray(offset + PREFIX, metadataEnd));
    } catch {
      break;
    }
    const end = metadataEnd + Number(message.bodyLength);
    if (end > bytes.byteLength) break;
    if (message.isSchema()) {
      if (schema) break;
      schema = bytes.subarray(0, end);
      metadata = new Map(message.header().metadata);
      batchStart = end;
    } else if (message.isRecordBatch()) {
      batches.push(bytes.subarray(batchStart, end));
      rows.push(Number(message.header().length));
      batchStart = end;
      validLength = end;
    }
    offset = end;
  }
  return schema ? { schema, batches, rows, metadata, validLength, ended: false } : undefined;
}

/** Joins a schema message and one scanned batch into a stream the Parquet encoder can read. */
export function selfContained(schema: Uint8Array, batch: Uint8Array): Uint8Array {
  const out = new Uint8Array(schema.byteLength + batch.byteLength + END_OF_STREAM.byteLength);
  out.set(schema, 0);
  out.set(batch, schema.byteLength);
  out.set(END_OF_STREAM, schema.byteLength + batch.byteLength);
  return out;
}
