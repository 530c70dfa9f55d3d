import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'trace-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pipelineFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('pipeline validate with trace_recorder', () => {
  it('rejects a custom_printf_event_id that is not an event id, naming file, line and key', { timeout: 60_000 }, async () => {
    const file = pipelineFile(
      'bad-id.yml',
      `name: bad-id
sources:
  trace: { type: file, path: trace.psf }
transforms:
  events:
    inputs: [trace]
    steps:
      - { type: trace_recorder, custom_printf_event_id: printf }
sinks:
  out: { type: stdout, inputs: [events] }
`,
    );
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad-id\.yml:8:\d+ transforms\.events\.steps\[0\]\.custom_printf_event_id: /);
  });

  it('rejects a trace_recorder step fed with records', { timeout: 60_000 }, async () => {
    const file = pipelineFile(
      'records-in.yml',
      `name: records-in
sources:
  node: { type: simulator, emit: records }
transforms:
  events:
    inputs: [node]
    steps:
      - { type: trace_recorder }
sinks:
  out: { type: stdout, inputs: [events] }
`,
    );
    const result = await runCli(['validate', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/records-in\.yml:8:\d+ transforms\.events\.steps\[0\]\.type: "trace_recorder" takes bytes, but node gives records/);
  });

  it('accepts the shipped freertos-trace pipeline', { timeout: 60_000 }, async () => {
    const result = await runCli(['validate', 'pipelines/freertos-trace.yml']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
