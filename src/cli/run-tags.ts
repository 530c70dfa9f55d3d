import type { z } from 'zod';
import type { PipelinePlan } from '../core/config/plan.js';
import { UsageError } from './args.js';

/**
 * `pipeline run --tag key=value`: experiment metadata given at run time (who, which bench, which
 * firmware), added to the `metadata` option of every sink that has one (the recording sinks), so it
 * is stored in every file of the run. A tag replaces a key of the same name from the pipeline file.
 */
export function parseTags(texts: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const text of texts) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--tag "${text}": expected key=value (example: --tag operator=ada)`);
    tags[text.slice(0, eq).trim()] = text.slice(eq + 1);
  }
  return tags;
}

/** The plan with the tags merged into each sink's `metadata` option, checked by that option's schema. */
export function withTags(plan: PipelinePlan, tags: Readonly<Record<string, string>>): PipelinePlan {
  if (Object.keys(tags).length === 0) return plan;
  let tagged = 0;
  const sinks = plan.sinks.map((sink) => {
    const schema = sink.definition.options.shape.metadata as z.ZodType | undefined;
    if (schema === undefined) return sink;
    tagged++;
    const options = sink.options as { metadata?: Record<string, string> };
    const merged = schema.safeParse({ ...options.metadata, ...tags });
    if (!merged.success) throw new UsageError(`--tag: ${merged.error.issues.map((i) => `${i.path.join('.') || 'metadata'}: ${i.message}`).join('; ')}`);
    return { ...sink, options: { ...options, metadata: merged.data } };
  });
  if (tagged === 0) throw new UsageError('--tag: no sink of this pipeline stores metadata (parquet, arrow)');
  return { ...plan, sinks };
}
