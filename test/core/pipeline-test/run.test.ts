import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../../../src/components.js';
import { ConfigError } from '../../../src/core/config/errors.js';
import { loadPipelineFile } from '../../../src/core/config/load.js';
import { loadPipelineTests } from '../../../src/core/pipeline-test/load.js';
import { runPipelineTest } from '../../../src/core/pipeline-test/run.js';

// Frames of the reference protocol with two samples each, written out by hand (CRC-16/IBM-3740):
// seq 7 and seq 8, and seq 7 with one payload byte changed so its CRC fails.
const SEQ7 = '7b 01 07 00 e8 03 00 00 10 00 00 ca 9a 3b 00 09 3d 00 01 ca 9a 3b 01 09 3d 00 49 48 7d';
const SEQ8 = '7b 01 08 00 1a 04 00 00 10 00 00 65 cd 1d 00 12 7a 00 02 65 cd 1d 02 12 7a 00 3f 01 7d';
const SEQ7_DAMAGED = SEQ7.replace('00 ca 9a', '00 cb 9a');

const PIPELINE = `sources:
  link: { type: simulator }
transforms:
  frames:
    inputs: [link]
    steps:
      - type: frame
        format: delimited
        start: 0x7B
        end: 0x7D
        length: { offset: 8, type: u16le, adjust: 13 }
        crc: { algorithm: CRC-16/IBM-3740, over: [1, -3], value: { offset: -3, type: u16le } }
        dead_letter: rejected
      - type: decode
        fields: [ { name: seq, type: u16le, offset: 2 } ]
        repeat: { offset: 10, until: -3, fields: [ { name: voltage_raw, type: u32le }, { name: current_raw, type: u32le } ] }
      - type: derive
        fields: { twice: "seq * 2" }
sinks:
  rejects: { type: stdout, inputs: [frames.rejected], format: jsonl }
  recording: { type: parquet, inputs: [frames], path: "\${OUT}/never.parquet" }
`;

describe('running a pipeline test', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pipeline-test-run-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const registry = defaultRegistry();

  /** Writes the pipeline and its test file, loads both and runs every test. */
  async function run(name: string, tests: string) {
    const file = path.join(dir, `${name}.yml`);
    writeFileSync(file, PIPELINE.replace('${OUT}', path.join(dir, name)));
    writeFileSync(path.join(dir, `${name}.test.yml`), tests);
    const plan = loadPipelineFile(file, registry, { dataDir: dir });
    const loaded = loadPipelineTests(file, plan, registry);
    return Promise.all(loaded.map((test) => runPipelineTest(plan, test, { dataDir: dir })));
  }

  it('extracts at steps inside a transform, at a side output before the cut and at the sinks it feeds', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    const [result] = await run(
      'cuts',
      `tests:
  - name: cut twice
    inputs:
      - { insert_at: link, hex: ["${SEQ7_DAMAGED}", "${SEQ8}"] }
    outputs:
      - extract_from: frames/frame
        conditions: [ { count: 1 }, { column: length, equals: [29] } ]
      - extract_from: frames/decode
        conditions: [ { count: 2 }, { column: seq, equals: [8, 8] }, { column: voltage_raw, equals: [500000000, 500000002] } ]
      - extract_from: frames
        conditions: [ { column: twice, equals: [16, 16] } ]
      - extract_from: frames.rejected
        conditions: [ { count: 1 }, { column: reason, equals: [crc] } ]
      - extract_from: rejects
        conditions: [ { count: 1 } ]
      - extract_from: recording
        conditions: [ { count: 2 } ]
`,
    );
    expect(result.difference).toBeUndefined();
    expect(result.passed).toBe(true);
    // The recording sink was captured, never started, and the run left no timer behind.
    expect(existsSync(path.join(dir, 'cuts'))).toBe(false);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
  });

  it('feeds rows into a step; sources without an input give nothing, so the test ends', async () => {
    const [result] = await run(
      'step',
      `tests:
  - name: rows at derive
    inputs:
      - { insert_at: frames/derive, rows: [ { seq: 1 }, { seq: 21 } ], types: { seq: u16 } }
    outputs:
      - extract_from: frames
        conditions: [ { column: twice, equals: [2, 42] } ]
      - extract_from: frames/decode
        conditions: [ { count: 0 } ]
      - extract_from: frames.rejected
        conditions: [ { count: 0 } ]
`,
    );
    expect(result.difference).toBeUndefined();
    expect(result.passed).toBe(true);
  });

  it('reports the first difference, counts the other failing conditions, and names a failing component', async () => {
    const [wrong, failing] = await run(
      'fail',
      `tests:
  - name: wrong
    inputs:
      - { insert_at: link, hex: "${SEQ7} ${SEQ8}" }
    outputs:
      - extract_from: frames/decode
        conditions: [ { count: 4 }, { column: seq, equals: [7, 7, 8, 9] }, { every: "seq < 8" } ]
  - name: no seq column
    inputs:
      - { insert_at: frames/derive, rows: [ { volts: 1 } ] }
    outputs:
      - extract_from: frames
        conditions: [ { count: 1 } ]
`,
    );
    expect(wrong.passed).toBe(false);
    expect(wrong.difference).toBe('frames/decode: column seq, row 3: expected 9, got 8');
    expect(wrong.moreFailures).toBe(1);
    expect(failing.passed).toBe(false);
    expect(failing.difference).toMatch(/^the pipeline failed: component "frames\/derive" failed: .*column "seq" does not exist/);
  });

  it('checks places and kinds against the pipeline, with the line of each problem', () => {
    const file = path.join(dir, 'places.yml');
    writeFileSync(file, PIPELINE.replace('${OUT}', dir));
    writeFileSync(
      path.join(dir, 'places.test.yml'),
      `tests:
  - name: places
    inputs:
      - { insert_at: frames/decode, rows: [ { seq: 1 } ] }
      - { insert_at: frames/derive, rows: [ { seq: 1 } ] }
      - { insert_at: rejects, hex: "00" }
    outputs:
      - extract_from: frames.rejectd
        conditions: [ { count: 1 } ]
      - extract_from: frames/crc
        conditions: [ { count: 1 } ]
  - name: a simulator that would run on the clock, without end
    inputs:
      - { insert_at: link, simulator: { frames: 0, rate: realtime } }
    outputs:
      - { extract_from: frames, conditions: [ { count: 1 } ] }
  - name: a file outside the test's folder
    inputs:
      - { insert_at: link, file: ../elsewhere.bin }
    outputs:
      - { extract_from: frames, conditions: [ { count: 1 } ] }
`,
    );
    const plan = loadPipelineFile(file, registry, { dataDir: dir });
    let error: ConfigError | undefined;
    try {
      loadPipelineTests(file, plan, registry);
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = error!.issues.map((i) => `${i.line} ${i.key}: ${i.message}`);
    expect(lines).toEqual([
      '4 tests[0].inputs[0].rows: "frames/decode" reads frames, and rows gives records; give hex or file',
      '5 tests[0].inputs[1].insert_at: "frames/derive" and "frames/decode" are both in transform "frames"; a test inserts at one place per transform',
      '6 tests[0].inputs[2].insert_at: "rejects" is a sink; an input goes in at a source, a transform or a step',
      '8 tests[0].outputs[0].extract_from: "frames.rejectd" is not in the pipeline (did you mean "frames.rejected"?); places: link, frames, frames/frame, frames.rejected, frames/decode, frames/derive, rejects, recording',
      '10 tests[0].outputs[1].extract_from: "frames/crc" is not in the pipeline; the crc check runs inside frames/frame here: use that; places: link, frames, frames/frame, frames.rejected, frames/decode, frames/derive, rejects, recording',
      '14 tests[1].inputs[0].simulator.frames: a test needs a fixed number of frames, 1 to 100000 (got none)',
      '14 tests[1].inputs[0].simulator.rate: a test runs the simulator at rate: max (realtime would wait on the clock)',
      `19 tests[2].inputs[0].file: "../elsewhere.bin" is outside ${dir}, the folder of the test file; test inputs are read from below it`,
    ]);
  });
});
