import { describe, expect, it } from 'vitest';
import { defaultRegistry, COMPONENTS } from '../../../src/components.js';
import { ConfigError, formatIssue } from '../../../src/core/config/errors.js';
import { loadPipelineText } from '../../../src/core/config/load.js';
import { Registry } from '../../../src/core/registry.js';
import { runCli } from '../../helpers/cli.js';
import { collectSink, framesOnlyOperator, passOperator } from '../../helpers/components.js';

const registry = new Registry([...COMPONENTS, framesOnlyOperator, passOperator, collectSink]);

function issuesOf(text: string, options: Parameters<typeof loadPipelineText>[2] = {}) {
  try {
    loadPipelineText(text, registry, { file: 'p.yml', ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected the pipeline to be rejected');
}

describe('pipeline validate', () => {
  it('reports all five mistakes of a file with file, line and key, and exits 2', async () => {
    const result = await runCli(['validate', 'test/fixtures/five-mistakes.yml']);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('5 problems in the pipeline file:');
    expect(lines.slice(1).map((l) => l.trim())).toEqual([
      expect.stringMatching(/^test\/fixtures\/five-mistakes\.yml:4:5 sources\.node\.type: unknown source type "simulater" \(did you mean "simulator"\?\)/),
      expect.stringMatching(/^test\/fixtures\/five-mistakes\.yml:7:5 sources\.other\.rate: .*"realtime"\|"max"/),
      expect.stringMatching(/^test\/fixtures\/five-mistakes\.yml:13:5 sinks\.console\.evry: unknown key "evry" \(did you mean "every"\?\)/),
      expect.stringMatching(/^test\/fixtures\/five-mistakes\.yml:16:14 sinks\.second\.inputs\[0\]: input "nod" is not a source or transform \(did you mean "node"\?\)/),
      expect.stringMatching(/^test\/fixtures\/five-mistakes\.yml:17:5 sinks\.second\.when_full: /),
    ]);
  });

  it('accepts the shipped harvest pipeline', async () => {
    const result = await runCli(['validate', 'pipelines/harvest.yml']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok \(pipeline "harvest"/);
  });
});

describe('graph checks', () => {
  it('rejects an operator whose input kind does not match what flows in, with a hint', () => {
    const issues = issuesOf(`
sources: { node: { type: simulator } }
transforms:
  t: { inputs: [node], steps: [ { type: frames_only } ] }
sinks: { out: { type: collect, inputs: [t] } }
`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 4, key: 'transforms.t.steps[0].type' });
    expect(issues[0].message).toBe('"frames_only" takes frames, but node gives bytes; add a frame step before it');
  });

  it('rejects cycles and names the loop', () => {
    const issues = issuesOf(`
sources: { node: { type: simulator, emit: records } }
transforms:
  a: { inputs: [node, b], steps: [ { type: pass } ] }
  b: { inputs: [a], steps: [ { type: pass } ] }
sinks: { out: { type: collect, inputs: [b] } }
`);
    expect(issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/inputs form a cycle: (a -> b -> a|b -> a -> b)/));
  });

  it('rejects a source nobody reads, and a pipeline without sinks', () => {
    const issues = issuesOf(`
sources:
  node: { type: simulator }
  spare: { type: simulator }
sinks: { out: { type: collect, inputs: [node] } }
`);
    expect(issues).toEqual([expect.objectContaining({ line: 4, key: 'sources.spare', message: expect.stringMatching(/not read by any transform or sink/) })]);
    expect(issuesOf('sources: { node: { type: simulator } }\nsinks: {}\n').map((i) => i.message)).toContainEqual('a pipeline needs at least one sink');
  });

  it('rejects a sink that cannot take the kind it is given', () => {
    const issues = issuesOf(`
sources: { node: { type: simulator, emit: records } }
sinks: { cap: { type: capture, inputs: [node], path: x.tpcap } }
`);
    expect(issues[0].message).toBe('sink type "capture" takes bytes, but "node" gives records');
  });

  it('orders transforms so each comes after what it reads', () => {
    const plan = loadPipelineText(
      `
sources: { node: { type: simulator, emit: records } }
transforms:
  late: { inputs: [early], steps: [ { type: pass } ] }
  early: { inputs: [node], steps: [ { type: pass }, { type: pass } ] }
sinks: { out: { type: collect, inputs: [late] } }
`,
      registry,
    );
    expect(plan.transforms.map((t) => t.id)).toEqual(['early', 'late']);
    expect(plan.transforms[0].steps.map((s) => s.id)).toEqual(['early/pass', 'early/pass#2']);
  });
});

describe('values', () => {
  const text = `
sources:
  node: { type: simulator, seed: "\${SEED:-7}", device: "\${DEVICE}" }
sinks: { out: { type: collect, inputs: [node] } }
`;

  it('substitutes environment variables, typing a whole-value reference as YAML', () => {
    const plan = loadPipelineText(text, registry, { env: { DEVICE: 'tasks' } });
    expect(plan.sources[0].options).toMatchObject({ seed: 7, device: 'tasks' });
    expect(loadPipelineText(text, registry, { env: { DEVICE: 'log', SEED: '42' } }).sources[0].options).toMatchObject({ seed: 42 });
  });

  it('names a variable that is unset and has no default', () => {
    const issues = issuesOf(text, { env: {} });
    expect(issues).toEqual([expect.objectContaining({ line: 3, key: 'sources.node.device', message: expect.stringMatching(/DEVICE is not set/) })]);
  });

  it('applies --set overrides with YAML typing, and blames the command line for their mistakes', () => {
    const plan = loadPipelineText(text, registry, { env: { DEVICE: 'tasks' }, overrides: ['sources.node.seed=99', 'sources.node.faults.bit_flip=0.5'] });
    expect(plan.sources[0].options).toMatchObject({ seed: 99, faults: { bit_flip: 0.5 } });
    expect(plan.configText).toMatch(/seed: 99/);
    const issues = issuesOf(text, { env: { DEVICE: 'tasks' }, overrides: ['sources.node.sed=1'] });
    expect(issues).toEqual([expect.objectContaining({ file: '--set sources.node.sed=1', key: 'sources.node.sed', message: expect.stringMatching(/unknown key "sed" \(did you mean "seed"\?\)/) })]);
    // A --set that is no key=value is named once, not as "--set --set ...".
    const [malformed] = issuesOf(text, { env: { DEVICE: 'tasks' }, overrides: ['a[1]=2'] });
    expect(formatIssue(malformed)).toBe('--set "a[1]=2": "a[1]" is not a dotted key path (example: sources.node.path)');
  });

  it('drops the old type\'s options when --set replaces a component type, keeping the new ones', () => {
    const plan = loadPipelineText('sources: { node: { type: simulator, device: tasks, rate: max, seed: 3 } }\nsinks: { out: { type: collect, inputs: [node] } }\n', registry, {
      overrides: ['sources.node.type=file', 'sources.node.path=dump.bin'],
    });
    expect(plan.sources[0].definition.type).toBe('file');
    expect(plan.sources[0].options).toMatchObject({ path: 'dump.bin', speed: 'max' });
    // Only the keys the file had: `path` (added by --set) is no dropped key.
    expect(plan.notes).toEqual(['sources.node.device dropped: simulator option that file does not have', 'sources.node.rate dropped: simulator option that file does not have', 'sources.node.seed dropped: simulator option that file does not have']);
    // A key the user sets that the new type lacks is still an error.
    const issues = issuesOf('sources: { node: { type: simulator } }\nsinks: { out: { type: collect, inputs: [node] } }\n', { overrides: ['sources.node.type=file', 'sources.node.path=x', 'sources.node.device=tasks'] });
    expect(issues.map((i) => i.key)).toEqual(['sources.node.device']);
  });

  it('drops nothing but real keys when --set swaps a block-style component for hardware', () => {
    const plan = loadPipelineText('sources:\n  node:\n    type: simulator\n    device: harvester\nsinks: { out: { type: collect, inputs: [node] } }\n', registry, {
      overrides: ['sources.node.type=serial', 'sources.node.path=/dev/ttyACM0'],
    });
    expect(plan.notes).toEqual(['sources.node.device dropped: simulator option that serial does not have']);
  });

  it('refuses a --set for a component the file does not have, naming the ones it has', () => {
    const file = 'sources: { node: { type: simulator } }\nsinks: { live: { type: collect, inputs: [node] }, recording: { type: collect, inputs: [node] } }\n';
    const issues = issuesOf(file, { overrides: ['sinks.lve.listen=127.0.0.1:0'] });
    expect(issues).toEqual([
      expect.objectContaining({ file: '--set sinks.lve.listen=127.0.0.1:0', key: 'sinks.lve', message: 'no sink "lve" (did you mean "live"?); sinks: live, recording (to add one, also set sinks.lve.type)' }),
    ]);
    expect(issuesOf(file, { overrides: ['transforms.t.steps=[]'] })[0].message).toBe('no transform "t"; transforms: none (to add one, also set transforms.t.inputs)');
    // With its type, a --set adds a component.
    const plan = loadPipelineText(file, registry, { overrides: ['sinks.extra.type=collect', 'sinks.extra.inputs=[node]'] });
    expect(plan.sinks.map((s) => s.id)).toEqual(['live', 'recording', 'extra']);
  });

  it('keeps how steps are merged out of the notes a user reads (details, logged at debug level)', () => {
    const plan = loadPipelineText('sources: { node: { type: simulator } }\ntransforms:\n  s: { inputs: [node], steps: [ { type: frame, format: delimited, start: 0x7B, end: 0x7D, length: { offset: 8, type: u16le, adjust: 13 } }, { type: crc, algorithm: CRC-16/IBM-3740, over: [1, -3], value: { offset: -3, type: u16le } } ] }\nsinks: { out: { type: collect, inputs: [s] } }\n', registry, { overrides: ['sources.node.seed=4'] });
    expect(plan.notes).toBeUndefined();
    expect(plan.details).toEqual(['s/crc runs inside s/frame: one pass, and resync uses the crc check (its counts appear on s/frame)']);
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('sources:\n  node: { type: simulator\nsinks: {}\n');
    expect(issues[0].line).toBeGreaterThan(0);
  });

  it('rejects duplicate names across sections', () => {
    const issues = issuesOf(`
sources: { x: { type: simulator } }
sinks: { x: { type: collect, inputs: [x] } }
`);
    expect(issues.map((i) => i.message)).toContainEqual(expect.stringMatching(/"x" is used by more than one component/));
  });
});

describe('messages', () => {
  const sensor = (field: string, crc = 'CRC-16/MODBUS') => `
sources: { dev: { type: simulator } }
transforms:
  readings:
    inputs: [dev]
    steps:
      - { type: frame, format: cobs, max_length: 64, crc: { algorithm: ${crc} } }
      - { type: decode, fields: [ ${field} ] }
sinks: { out: { type: collect, inputs: [readings] } }
`;

  it('suggests the catalogue name for a CRC written another way', () => {
    const [issue] = issuesOf(sensor('{ name: t, type: u32le, offset: 0 }', 'crc16-modbus'));
    expect(issue.message).toMatch(/^unknown CRC algorithm "crc16-modbus" \(did you mean "CRC-16\/MODBUS"\?\); known: CRC-8\/SMBUS/);
    expect(issuesOf(sensor('{ name: t, type: u32le, offset: 0 }', 'CRC-16/MODBSU'))[0].message).toMatch(/\(did you mean "CRC-16\/MODBUS"\?\)/);
  });

  it('reports a misspelt key once, listing each known key once', () => {
    const issues = issuesOf(sensor('{ name: t_us, type: u32le, offest: 0 }'));
    expect(issues.map((i) => [i.key, i.message])).toEqual([['transforms.readings.steps[1].fields[0].offest', 'unknown key "offest" (did you mean "offset"?); known keys: name, type, unit, length, offset']]);
  });

  it('says "missing" and "expected ..., got ..." instead of zod\'s wording', () => {
    const messages = issuesOf(sensor('{ name: t_us, type: u32le }, { name: v, type: u16le, offset: "two" }')).map((i) => i.message);
    expect(messages).toEqual(['missing key "offset" (a number)', 'expected a number, got a string']);
  });
});

describe('limits of the file itself', () => {
  it('refuses nesting deeper than 32 levels before resolving anything, at the line where it goes too deep', () => {
    const deep = `sources: { node: { type: simulator } }\nsinks: { out: { type: collect, inputs: [node] } }\nx: ${'['.repeat(40)}${']'.repeat(40)}\n`;
    const issues = issuesOf(deep);
    expect(issues).toEqual([expect.objectContaining({ line: 3, message: 'the file nests more than 32 levels deep; a pipeline file needs far fewer' })]);
    const viaSet = issuesOf('sources: { node: { type: simulator } }\nsinks: { out: { type: collect, inputs: [node] } }\n', { overrides: [`sources.node.seed=${'['.repeat(40)}${']'.repeat(40)}`] });
    expect(viaSet).toEqual([expect.objectContaining({ file: '--set', message: expect.stringMatching(/nests more than 32 levels/) })]);
  });

  it('says what the file is when it is not a mapping', () => {
    expect(issuesOf('')).toEqual([expect.objectContaining({ message: 'the file is empty; a pipeline file is a mapping with sources, transforms and sinks' })]);
    expect(issuesOf('- a\n- b\n')[0].message).toMatch(/^the file is a list;/);
    expect(issuesOf('42\n')[0].message).toMatch(/^the file is a number;/);
  });

  it('keeps an environment value that is not valid YAML as text instead of failing', () => {
    const plan = loadPipelineText('sources: { node: { type: file, path: "${DUMP}" } }\nsinks: { out: { type: collect, inputs: [node] } }\n', registry, { env: { DUMP: '{unclosed' } });
    expect(plan.sources[0].options).toMatchObject({ path: '{unclosed' });
  });

  it('checks data paths only when given the data directory', () => {
    const text = 'sources: { node: { type: file, path: ../outside.bin } }\nsinks: { out: { type: collect, inputs: [node] } }\n';
    expect(() => loadPipelineText(text, registry)).not.toThrow();
    expect(issuesOf(text, { dataDir: '/srv/data' })).toEqual([expect.objectContaining({ line: 1, key: 'sources.node.path', message: expect.stringMatching(/^path "\.\.\/outside\.bin" resolves to \/srv\/outside\.bin, outside the data directory \/srv\/data/) })]);
  });
});

describe('default registry', () => {
  it('has no duplicate types and loads', () => {
    expect(() => defaultRegistry()).not.toThrow();
  });
});
