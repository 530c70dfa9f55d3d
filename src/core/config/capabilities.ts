import type { SinkDefinition } from '../component.js';
import type { Registry } from '../registry.js';
import { didYouMean } from './did-you-mean.js';
import { quoted } from './errors.js';
import type { SourcePlan } from './plan.js';
import type { Report } from './zod-issues.js';

/**
 * Checks a sink's `capabilities.writesTo`: the option it names must hold the id of a source that
 * declares `writable` (a relay's `write_through` pointed at a file source is a mistake in the file, not
 * something to find out when a client first writes). Returns the source id, or undefined when the
 * option is not set or the check failed (reported at the option's key).
 */
export function checkWritesTo(
  sinkId: string,
  definition: SinkDefinition,
  options: Record<string, unknown>,
  sources: readonly SourcePlan[],
  sourceIds: readonly string[],
  otherIds: readonly string[],
  registry: Registry,
  report: Report,
): string | undefined {
  const key = definition.capabilities?.writesTo;
  if (key === undefined) return undefined;
  const target = options[key];
  if (typeof target !== 'string') return undefined;
  const path = ['sinks', sinkId, key];
  const writableTypes = registry.types('source').filter((type) => registry.get('source', type)?.capabilities?.writable);
  const writableSources = sources.filter((s) => s.definition.capabilities?.writable).map((s) => s.id);
  if (!sourceIds.includes(target)) {
    const what = otherIds.includes(target) ? `names ${quoted(target)}, which is not a source` : `names no source ${quoted(target)}${didYouMean(target, sourceIds)}`;
    report(path, `${key} ${what}; it must name a source that can write to its device (${writableSources.length > 0 ? `here: ${writableSources.join(', ')}` : `types: ${writableTypes.join(', ')}`})`);
    return undefined;
  }
  const source = sources.find((s) => s.id === target);
  // A source with errors of its own is reported with them.
  if (source === undefined) return undefined;
  if (!source.definition.capabilities?.writable) {
    report(path, `${key}: source ${quoted(target)} (type ${source.definition.type}) cannot write to its device; source types that can: ${writableTypes.join(', ')}`);
    return undefined;
  }
  return target;
}
