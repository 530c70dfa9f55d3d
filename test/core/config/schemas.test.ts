import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPONENTS } from '../../../src/components.js';
import { ConfigError, type ConfigIssue } from '../../../src/core/config/errors.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { Registry } from '../../../src/core/registry.js';
import { ROOT, runCli } from '../../helpers/cli.js';
import { collectSink } from '../../helpers/components.js';

const registry = new Registry([...COMPONENTS, collectSink]);

function issuesOf(text: string): ConfigIssue[] {
  try {
    loadPipelineText(text, registry, { file: 'p.yml' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  return [];
}

/** A pipeline whose records come from decode (so their columns are known), then `steps`. */
const decoded = (steps: string) => `
sources: { node: { type: simulator } }
transforms:
  t:
    inputs: [node]
    steps:
      - { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }
      - type: decode
        fields: [ { name: seq, type: u16le, offset: 2 }, { name: t_ticks, type: u32le, offset: 4 }, { name: tag, type: string, offset: 8, length: 2 } ]
        repeat: { offset: 10, index_as: i, fields: [ { name: voltage_raw, type: u32le } ] }
${steps
  .trim()
  .split('\n')
  .map((line) => `      ${line}`)
  .join('\n')}
sinks: { out: { type: collect, inputs: [t] } }
`;

const artifacts = path.join(ROOT, 'test-artifacts');
mkdirSync(artifacts, { recursive: true });
const dir = mkdtempSync(path.join(artifacts, 'schemas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pipeline validate follows record columns through the steps', () => {
  it('reports a typo in a derive expression of harvest.yml with file, line and key, and exits 2', async () => {
    const text = readFileSync(path.join(ROOT, 'pipelines/harvest.yml'), 'utf8');
    const typo = text.replace('voltage: "voltage_raw * 3e-9"', 'voltage: "voltge_raw * 3e-9"');
    expect(typo).not.toBe(text);
    const file = path.join(dir, 'harvest.yml');
    writeFileSync(file, typo);
    const lines = typo.split('\n');
    const line = lines.findIndex((l) => l.includes('voltge_raw')) + 1;
    const column = lines[line - 1].indexOf('voltage:') + 1;

    const result = await runCli(['validate', path.relative(ROOT, file)]);
    expect(result.code).toBe(2);
    const problems = result.stderr.trim().split('\n');
    expect(problems[0]).toBe('1 problem in the pipeline file:');
    // steps[5]: the index as written, although crc (steps[1]) runs inside frame.
    expect(problems[1].trim()).toBe(
      `${path.relative(ROOT, file)}:${line}:${column} transforms.samples.steps[5].fields.voltage: expression "voltge_raw * 3e-9": column "voltge_raw" does not exist (did you mean "voltage_raw"?); columns here: seq, t_ticks, voltage_raw, current_raw, i, host_time, dropped_frames, seq_epoch, t_device_ns`,
    );
  });

  it('names the option of every operator that names a missing column', () => {
    const issues = issuesOf(
      decoded(`
- { type: rollover, field: seqq, bits: 16 }
- { type: derive, fields: { v: "voltage_raw * 2" } }
- { type: filter, where: "vv > 1" }
- { type: jitter, sent: t_tick, arrival: host_time, seq: sequence }
- { type: route, field: kind, routes: { a: 1 } }
- { type: select, drop: [tagg] }
- { type: rename, fields: { volts: x } }
- { type: downsample, every: 10ms, time: host_time, fields: [v, watts] }
`),
    );
    expect(issues.map((i) => `${i.key}: ${i.message.split(';')[0]}`)).toEqual([
      'transforms.t.steps[2].field: column "seqq" does not exist (did you mean "seq"?)',
      'transforms.t.steps[4].where: expression "vv > 1": column "vv" does not exist (did you mean "v"?)',
      'transforms.t.steps[5].sent: column "t_tick" does not exist (did you mean "t_ticks"?)',
      'transforms.t.steps[5].seq: column "sequence" does not exist',
      'transforms.t.steps[6].field: column "kind" does not exist',
      'transforms.t.steps[7].drop[0]: column "tagg" does not exist (did you mean "tag"?)',
      'transforms.t.steps[8].fields.volts: column "volts" does not exist',
      'transforms.t.steps[9].fields[1]: column "watts" does not exist',
    ]);
    // Each points at the line of its step.
    expect(issues.map((i) => i.line)).toEqual([11, 13, 14, 14, 15, 16, 17, 18]);
  });

  it('follows columns added, renamed, dropped and reduced by earlier steps, and transforms reading others', () => {
    const ok = decoded(`
- { type: rollover, field: seq, bits: 16, gaps_as: lost }
- { type: derive, fields: { v: "voltage_raw * 2", t_ns: "t_ticks * 1000 + i" }, time: { t_ns: device } }
- { type: rename, fields: { v: volts } }
- { type: select, fields: [t_ns, volts, lost, seq_epoch, seq] }
- { type: jitter, sent: t_ns, arrival: t_ns, seq: seq }
- { type: filter, where: "volts > 0 && jitter >= 0" }
`);
    expect(issuesOf(ok)).toEqual([]);
    const downstream = ok.replace(
      'sinks:',
      `  w: { inputs: [t], steps: [ { type: window, every: 1s, fields: [volts] }, { type: filter, where: "volts_avg > 0" } ] }
  d: { inputs: [t], steps: [ { type: downsample, every: 10ms, fields: [volts] }, { type: select, fields: [t_ns, volts, lost] } ] }
sinks:`,
    );
    const issues = issuesOf(downstream);
    expect(issues.map((i) => `${i.key}: ${i.message.split(';')[0]}`)).toEqual([
      'transforms.w.steps[1].where: expression "volts_avg > 0": column "volts_avg" does not exist (did you mean "volts_min"?)',
      'transforms.d.steps[1].fields[2]: column "lost" does not exist',
    ]);
    // A column the select removed, the rename replaced, or that a string column cannot be.
    expect(issuesOf(decoded(`- { type: select, drop: [voltage_raw] }\n- { type: derive, fields: { v: "voltage_raw * 2" } }`))[0].message).toMatch(/column "voltage_raw" does not exist/);
    expect(issuesOf(decoded(`- { type: rename, fields: { seq: n } }\n- { type: rollover, field: seq, bits: 16 }`))[0].message).toMatch(/column "seq" does not exist/);
    expect(issuesOf(decoded(`- { type: derive, fields: { v: "tag * 2" } }`))[0].message).toBe('expression "tag * 2": column "tag" is not numeric');
    // Each rollover's epoch column is named after its field, so two in one chain do not collide unless told to.
    expect(issuesOf(decoded(`- { type: rollover, field: seq, bits: 16 }\n- { type: rollover, field: t_ticks, bits: 32 }`))).toEqual([]);
    expect(issuesOf(decoded(`- { type: rollover, field: seq, bits: 16, epoch_as: epoch }\n- { type: rollover, field: t_ticks, bits: 32, epoch_as: epoch }`))[0]).toMatchObject({
      key: 'transforms.t.steps[3].epoch_as',
      message: expect.stringContaining('column "epoch" already exists'),
    });
  });

  it('checks nothing where the columns are not known before the data arrives', () => {
    // A source giving records, a csv header, two inputs with different columns: all run-time matters.
    expect(issuesOf(`
sources: { node: { type: simulator, emit: records } }
transforms: { t: { inputs: [node], steps: [ { type: derive, fields: { v: "anything * 2" } } ] } }
sinks: { out: { type: collect, inputs: [t] } }
`)).toEqual([]);
    expect(issuesOf(`
sources: { node: { type: simulator } }
transforms:
  t: { inputs: [node], steps: [ { type: frame, format: lines }, { type: decode, text: { format: csv, header: true } }, { type: select, fields: [temp] } ] }
sinks: { out: { type: collect, inputs: [t] } }
`)).toEqual([]);
    const two = decoded('- { type: select, fields: [seq] }').replace(
      'sinks:',
      `  both: { inputs: [t, u], steps: [ { type: derive, fields: { x: "voltage_raw * 2" } } ] }
  u: { inputs: [node], steps: [ { type: frame, format: lines }, { type: decode, text: { format: csv, columns: [ { name: voltage_raw } ] } } ] }
sinks:`,
    );
    expect(issuesOf(two)).toEqual([]);
  });
});
