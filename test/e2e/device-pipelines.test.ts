import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { defaultRegistry } from '../../src/components.js';
import { loadPipelineText } from '../../src/core/config/load.js';

/**
 * The device pipelines' sources and the sinks that read them straight away must validate against the
 * schemas of this build (their transforms use the frame/crc/decode/jitter operators and are checked
 * where those are registered).
 */
describe.each(['ltbus-serial', 'ltbus-tcp', 'udp-jitter'])('pipelines/%s.yml', (name) => {
  it('has sources and source-fed sinks that validate', () => {
    const config = parse(readFileSync(`pipelines/${name}.yml`, 'utf8')) as {
      name: string;
      sources: Record<string, unknown>;
      sinks: Record<string, { inputs: string[] }>;
    };
    const sourceNames = Object.keys(config.sources);
    const sinks = Object.fromEntries(Object.entries(config.sinks).filter(([, sink]) => sink.inputs.every((input) => sourceNames.includes(input))));
    sinks.check = { type: 'stdout', inputs: sourceNames, format: 'summary' } as never;
    const text = stringify({ name: config.name, sources: config.sources, sinks });
    const plan = loadPipelineText(text, defaultRegistry(), { file: `${name}.yml` });
    expect(plan.sources.map((s) => s.id)).toEqual(sourceNames);
  });
});
