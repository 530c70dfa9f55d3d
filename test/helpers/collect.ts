import { lastValueFrom, toArray, type Observable } from 'rxjs';
import type { z } from 'zod';
import type { Batch } from '../../src/core/batch.js';
import type { SourceDefinition, OptionsSchema } from '../../src/core/component.js';
import { standaloneContext, type StandaloneContext } from '../../src/core/standalone.js';

/** Runs a source to completion (it must end by itself: a frame limit, end of file) and collects its batches. */
export async function collectSource<S extends OptionsSchema>(definition: SourceDefinition<S>, raw: z.input<S>, context: StandaloneContext = standaloneContext(definition.type, { kind: 'source', type: definition.type })) {
  const options = definition.options.parse(raw) as z.output<S>;
  const batches: Batch[] = await lastValueFrom(definition.create(options, context).pipe(toArray()));
  return { batches, context };
}

export function concatBytes(batches: readonly Batch[]): Buffer {
  return Buffer.concat(batches.map((b) => (b.kind === 'bytes' ? b.data : Buffer.alloc(0))));
}

/** Subscribes to a source and keeps everything it emits, for assertions while it runs. */
export function collect(source: Observable<Batch>) {
  const batches: Batch[] = [];
  const state = { batches, bytes: 0, error: undefined as Error | undefined, completed: false };
  const subscription = source.subscribe({
    next: (batch) => {
      batches.push(batch);
      if (batch.kind === 'bytes') state.bytes += batch.data.length;
    },
    error: (error: Error) => (state.error = error),
    complete: () => (state.completed = true),
  });
  return Object.assign(state, {
    subscription,
    /** All Bytes batches' data, concatenated. */
    data: () => Buffer.concat(batches.flatMap((b) => (b.kind === 'bytes' ? [b.data] : []))),
  });
}
