import { describe, expect, it } from 'vitest';
import { commandHelp, renderCommandHelp, asksForHelp } from '../../src/cli/help.js';
// Loading the command modules registers their help, as the dispatcher does.
import '../../src/cli/inspect.js';
import '../../src/cli/list.js';
import '../../src/cli/ports.js';
import '../../src/cli/recover.js';
import '../../src/cli/run.js';
import '../../src/cli/schema.js';
import '../../src/cli/simulate.js';
import '../../src/cli/tap.js';
import '../../src/cli/testbed.js';
import '../../src/cli/validate.js';
import { runCli } from '../helpers/cli.js';

const COMMANDS = ['run', 'validate', 'list', 'schema', 'simulate', 'tap', 'ports', 'inspect', 'recover', 'testbed'];

describe('command help', () => {
  it('is registered by every command module, with a usage line and a summary', () => {
    for (const name of COMMANDS) {
      const help = commandHelp(name);
      expect(help, name).toBeDefined();
      expect(help!.usage.startsWith(`pipeline ${name}`), name).toBe(true);
      expect(help!.summary.length, name).toBeGreaterThan(30);
    }
  });

  it('describes each flag of run, in lines that fit 100 columns (the usage and examples aside)', () => {
    const text = renderCommandHelp(commandHelp('run')!);
    for (const flag of ['--set', '--duration', '--log-level', '--data-dir']) expect(text).toMatch(new RegExp(`^  ${flag} \\S*\\s+\\S`, 'm'));
    const body = text.split('\n').filter((l) => !l.startsWith('usage:') && !l.startsWith('  pipeline '));
    expect(body.filter((l) => l.length > 100)).toEqual([]);
  });

  it('is asked for by --help or -h, not by an argument after --', () => {
    expect(asksForHelp(['pipelines/harvest.yml', '--help'])).toBe(true);
    expect(asksForHelp(['-h'])).toBe(true);
    expect(asksForHelp(['--', '--help'])).toBe(false);
    expect(asksForHelp(['--set', 'a=b'])).toBe(false);
  });

  it('prints with exit 0 for COMMAND --help, COMMAND -h and help COMMAND; --version prints the version', { timeout: 150_000 }, async () => {
    const run = await runCli(['run', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^usage: pipeline run FILE/);
    expect(run.stdout).toMatch(/--data-dir DIR\s+Directory that every file path/);
    expect(run.stderr).toBe('');
    const list = await runCli(['list', '-h']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^usage: pipeline list \[TYPE\]/);
    const validate = await runCli(['help', 'validate']);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toMatch(/^usage: pipeline validate FILE/);
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^telemetry-pipeline \d+\.\d+\.\d+\n$/);
    const unknown = await runCli(['help', 'vaildate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^no command "vaildate" \(did you mean "validate"\?\)/);
  });
});
