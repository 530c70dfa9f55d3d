import { z } from 'zod';
import { byteSizeOption } from '../options.js';
import { testsBlock } from '../pipeline-test/schema.js';
import { quoted } from './errors.js';

/**
 * The zod schemas of the parts of a pipeline file that belong to no component: the top level,
 * a transform, and the keys every sink has. Validation, `--set` type replacement, the JSON Schema
 * and the reference all read these, so each key is written once.
 */

/** Names of pipelines and components: they end up in file names, metric labels and URLs. */
export const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const MAX_NAME_LENGTH = 100;

export const WHEN_FULL = z
  .enum(['block', 'drop_newest', 'drop_oldest', 'sample'])
  .meta({ description: 'What the bounded buffer in front of the sink does when full: block pauses the sources; the others drop (counted).', examples: ['block', 'drop_oldest'] });
export type WhenFull = z.infer<typeof WHEN_FULL>;

export const MAX_BUFFER_BATCHES = 65_536;
export const MAX_BUFFER_BYTES = 1024 ** 3;

/** A list of port names (sources, transforms, `transform.output`), each at most once. */
function inputList(emptyMessage: string) {
  return z
    .array(z.string().min(1))
    .min(1, emptyMessage)
    .superRefine((inputs, ctx) => {
      inputs.forEach((input, i) => {
        if (inputs.indexOf(input) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${quoted(input)} is listed twice; each input is read once` });
      });
    });
}

/** Keys every sink has besides its own options; the runner handles them. */
export const sinkCommon = z.object({
  type: z.string(),
  inputs: inputList('a sink needs at least one input').meta({ description: 'Sources or transforms this sink reads.', examples: [['samples']] }),
  when_full: WHEN_FULL.optional(),
  buffer: z
    .strictObject({
      max_batches: z
        .number()
        .int()
        .min(1)
        .max(MAX_BUFFER_BATCHES)
        .default(64)
        .meta({ description: 'Most batches waiting for the sink.', examples: [64] }),
      max_bytes: byteSizeOption(MAX_BUFFER_BYTES)
        .default(64 * 1024 * 1024)
        .meta({ description: 'Most bytes waiting for the sink (at most 1GiB).', examples: ['64MiB'] }),
    })
    .default({ max_batches: 64, max_bytes: 64 * 1024 * 1024 })
    .meta({ description: 'Limits of the buffer in front of the sink; when_full applies when either is reached.', examples: [{ max_batches: 64, max_bytes: '64MiB' }] }),
});
export const SINK_COMMON_KEYS: readonly string[] = Object.keys(sinkCommon.shape);

export const transformShape = z.strictObject({
  inputs: inputList('a transform needs at least one input').meta({ description: 'Sources or transforms this transform reads; all must give the same batch kind.', examples: [['node']] }),
  steps: z.array(z.unknown()).min(1, 'a transform needs at least one step').meta({ description: 'Operators applied in order.', examples: [[{ type: 'frame', format: 'lines' }]] }),
});

export const topLevel = z.strictObject({
  name: z
    .string()
    .max(MAX_NAME_LENGTH)
    .regex(NAME, 'use letters, digits, _ and -')
    .optional()
    .meta({ description: 'Pipeline name, used in file names and metadata (default: the file name).', examples: ['harvest'] }),
  description: z.string().max(10_000).optional().meta({ description: 'What the pipeline is for.', examples: ['Harvester node on the bench'] }),
  sources: z.record(z.string(), z.unknown()).meta({ description: 'Named sources.' }),
  transforms: z.record(z.string(), z.unknown()).default({}).meta({ description: 'Named transforms: inputs and a chain of steps.' }),
  sinks: z.record(z.string(), z.unknown()).meta({ description: 'Named sinks.' }),
  tests: testsBlock.optional(),
});
