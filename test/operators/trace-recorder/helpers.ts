import type { RecordsBatch } from '../../../src/core/batch.js';
import { type DecodeOutput, PsfDecoder } from '../../../src/operators/trace-recorder/decoder.js';
import { flatten } from '../records-helpers.js';

/** Decodes chunks to the end and gathers every output of the decoder. */
export function decodeAll(chunks: readonly Uint8Array[], options: ConstructorParameters<typeof PsfDecoder>[0] = {}) {
  const decoder = new PsfDecoder(options);
  const outputs: DecodeOutput[] = chunks.map((c) => decoder.push(c));
  outputs.push(decoder.finish());
  const events: RecordsBatch[] = outputs.flatMap((o) => o.events);
  return {
    decoder,
    stats: decoder.stats,
    events,
    rows: flatten(events),
    warnings: outputs.flatMap((o) => o.warnings),
    sessions: outputs.flatMap((o) => o.sessions),
  };
}
