import { describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../../src/components.js';
import { ConfigError } from '../../../src/core/config/errors.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { runCli } from '../../helpers/cli.js';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function issuesOf(text: string) {
  try {
    loadPipelineText(text, defaultRegistry(), { file: 'p.yml' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected the pipeline to be rejected');
}

describe('declared capabilities in the graph check', () => {
  it('refuses a relay that writes through to a source that cannot write, at the option\'s line and key', () => {
    const issues = issuesOf(`
sources:
  node: { type: file, path: capture.bin }
sinks:
  share:
    type: relay
    inputs: [node]
    write_through: node
`);
    expect(issues).toEqual([
      expect.objectContaining({ line: 8, key: 'sinks.share.write_through', message: expect.stringMatching(/^write_through: source "node" \(type file\) cannot write to its device; source types that can: rtt, serial, tcp$/) }),
    ]);
  });

  it('refuses a write_through that names a transform or nothing, with the writable sources of the file', () => {
    const base = (target: string) => `
sources: { node: { type: tcp, port: 9000 } }
transforms: { framed: { inputs: [node], steps: [ { type: frame, format: cobs } ] } }
sinks:
  share: { type: relay, inputs: [node], write_through: ${target} }
  console: { type: stdout, inputs: [framed] }
`;
    expect(issuesOf(base('framed'))).toEqual([
      expect.objectContaining({ key: 'sinks.share.write_through', message: 'write_through names "framed", which is not a source; it must name a source that can write to its device (here: node)' }),
    ]);
    expect(issuesOf(base('nod'))).toEqual([
      expect.objectContaining({ key: 'sinks.share.write_through', message: 'write_through names no source "nod" (did you mean "node"?); it must name a source that can write to its device (here: node)' }),
    ]);
  });

  it('links a relay to a writable source in the plan', () => {
    const plan = loadPipelineText(`
sources: { node: { type: tcp, port: 9000 } }
sinks: { share: { type: relay, inputs: [node], write_through: node }, plain: { type: relay, inputs: [node], listen: "127.0.0.1:0" } }
`, defaultRegistry());
    expect(plan.sinks.map((s) => [s.id, s.writesTo])).toEqual([['share', 'node'], ['plain', undefined]]);
  });

  it('is what `pipeline validate` reports, with file, line and key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'caps-'));
    try {
      const file = path.join(dir, 'relay.yml');
      writeFileSync(file, 'sources:\n  node: { type: simulator }\nsinks:\n  share:\n    type: relay\n    inputs: [node]\n    write_through: node\n');
      const result = await runCli(['validate', file]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file}:7:5 sinks.share.write_through: write_through: source "node" (type simulator) cannot write to its device`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
