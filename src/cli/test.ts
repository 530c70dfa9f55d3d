import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { defaultRegistry } from '../components.js';
import { ConfigError } from '../core/config/errors.js';
import { loadPipelineFile } from '../core/config/load.js';
import { loadPipelineTests } from '../core/pipeline-test/load.js';
import { runPipelineTest } from '../core/pipeline-test/run.js';
import { parseCommandArgs, UsageError } from './args.js';
import { COMMANDS } from './commands.js';
import { registerCommandHelp } from './help.js';

export const testHelp = registerCommandHelp({
  name: 'test',
  usage: COMMANDS.test.usage,
  summary: 'Runs the tests a pipeline carries: its `tests:` block and those in a sibling NAME.test.yml. Each test replaces sources with its inputs (hex, a file, rows, or the simulator with a fixed seed and frame count), captures what reaches the places it names instead of starting sinks, and checks conditions on it (count, equals, sum, every). No device, network or clock is used. Prints PASS or FAIL per test, with the first difference of a failing one (expected and got, row and column), then a summary. Exit 0: all passed; 1: a test failed, or a pipeline has no tests; 2: a mistake in a pipeline or test file (file, line and key are printed). See docs/pipeline-tests.md.',
  options: [
    ['FILE', 'A pipeline file (NAME.yml) or its test file (NAME.test.yml)'],
    ['DIR', 'Every NAME.yml below it, with its tests'],
    ['--name TEXT', 'Run only the tests whose name contains TEXT (exit 1 when none does)'],
    ['--data-dir DIR', 'The data directory pipeline paths are checked against; default: the current directory'],
  ],
  examples: ['pipeline test pipelines/', 'pipeline test pipelines/harvest.yml --name rollover'],
});

/** `pipeline test`: runs pipeline-carried tests and prints one line per test and a summary. */
export async function testCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { name: { type: 'string' }, 'data-dir': { type: 'string' } });
  if (positionals.length === 0) throw new UsageError('test takes pipeline files or directories');
  const dataDir = path.resolve(values['data-dir'] ?? process.cwd());
  const registry = defaultRegistry();
  const files = positionals.flatMap(pipelineFiles);
  let mistakes = 0;
  let passed = 0;
  let failed = 0;
  let untested = 0;
  for (const file of files) {
    let loaded;
    try {
      const plan = loadPipelineFile(file, registry, { dataDir });
      loaded = { plan, tests: loadPipelineTests(file, plan, registry).filter((t) => values.name === undefined || t.name.includes(values.name)) };
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      mistakes++;
      const n = error.issues.length;
      process.stdout.write(`${file}\n  MISTAKE  ${n} problem${n === 1 ? '' : 's'} in the file (printed on stderr); its tests were not run\n`);
      process.stderr.write(error.message + '\n');
      continue;
    }
    if (loaded.tests.length === 0) {
      // With --name, a file without a matching test is simply not listed.
      if (values.name === undefined) {
        untested++;
        process.stdout.write(`${file}\n  NO TESTS  add a tests: block or ${path.basename(file).replace(/\.ya?ml$/, '')}.test.yml\n`);
      }
      continue;
    }
    process.stdout.write(`${file}\n`);
    for (const test of loaded.tests) {
      const result = await runPipelineTest(loaded.plan, test, { dataDir });
      if (result.passed) {
        passed++;
        process.stdout.write(`  PASS  ${test.name}\n`);
      } else {
        failed++;
        process.stdout.write(`  FAIL  ${test.name}  (${test.file}:${test.line})\n        ${result.difference}\n`);
        if (result.moreFailures > 0) process.stdout.write(`        (and ${result.moreFailures} more condition${result.moreFailures === 1 ? '' : 's'} failing)\n`);
      }
    }
  }
  const parts = [`${passed} passed`, `${failed} failed`];
  if (untested > 0) parts.push(`${untested} without tests`);
  if (mistakes > 0) parts.push(`${mistakes} with mistakes`);
  const total = passed + failed;
  process.stdout.write(`${total} test${total === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}: ${parts.join(', ')}\n`);
  if (values.name !== undefined && total === 0 && mistakes === 0) {
    process.stdout.write(`no test name contains ${JSON.stringify(values.name)}\n`);
    return 1;
  }
  return mistakes > 0 ? 2 : failed > 0 || untested > 0 ? 1 : 0;
}

/** The pipeline files an argument names: the file itself, a test file's pipeline, or every NAME.yml below a folder. */
function pipelineFiles(argument: string): string[] {
  if (existsSync(argument) && statSync(argument).isDirectory()) {
    const found: string[] = [];
    const visit = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) visit(full);
        else if (/\.ya?ml$/.test(entry.name) && !/\.test\.ya?ml$/.test(entry.name)) found.push(full);
      }
    };
    visit(argument);
    if (found.length === 0) throw new UsageError(`${argument} holds no pipeline files (NAME.yml)`);
    return found;
  }
  const test = argument.match(/^(.*)\.test\.ya?ml$/);
  if (test) {
    const pipeline = [`${test[1]}.yml`, `${test[1]}.yaml`].find((f) => existsSync(f));
    return [pipeline ?? `${test[1]}.yml`];
  }
  return [argument];
}
