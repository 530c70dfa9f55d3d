#!/usr/bin/env node
import { ConfigError } from './core/config/errors.js';
import { ComponentError } from './core/component-error.js';
import { isPipelineFileMistake } from './core/pipeline-file-mistake.js';
import { UsageError } from './cli/args.js';
import { asksForHelp, commandHelp, renderCommandHelp } from './cli/help.js';
import { didYouMean } from './core/config/did-you-mean.js';
import { softwareVersion } from './sinks/recording/metadata.js';
import { inspectCommand, inspectUsage } from './cli/inspect.js';
import { listCommand, listUsage } from './cli/list.js';
import { portsCommand, portsUsage } from './cli/ports.js';
import { recoverCommand, recoverUsage } from './cli/recover.js';
import { runCommand, runUsage } from './cli/run.js';
import { schemaCommand, schemaUsage } from './cli/schema.js';
import { simulateCommand, simulateUsage } from './cli/simulate.js';
import { tapCommand, tapUsage } from './cli/tap.js';
import { testCommand, testUsage } from './cli/test.js';
import { testbedCommand, testbedUsage } from './cli/testbed.js';
import { validateCommand, validateUsage } from './cli/validate.js';

type Command = (argv: string[]) => Promise<number>;

/** Subcommands: one line each; each lives in src/cli/<name>.ts. */
const COMMANDS: Record<string, { run: Command; usage: string }> = {
  run: { run: runCommand, usage: runUsage },
  validate: { run: validateCommand, usage: validateUsage },
  list: { run: listCommand, usage: listUsage },
  schema: { run: schemaCommand, usage: schemaUsage },
  simulate: { run: simulateCommand, usage: simulateUsage },
  tap: { run: (argv) => tapCommand(argv), usage: tapUsage },
  ports: { run: portsCommand, usage: portsUsage },
  inspect: { run: inspectCommand, usage: inspectUsage },
  recover: { run: recoverCommand, usage: recoverUsage },
  testbed: { run: testbedCommand, usage: testbedUsage },
  test: { run: testCommand, usage: testUsage },
};

function usage(): string {
  return 'usage:\n' + Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n') + '\n\n"pipeline help COMMAND" (or "pipeline COMMAND --help") describes one; "pipeline --version" prints the version.\n';
}

/** Exit codes: 0 ok, 1 a component or run failed, 2 a mistake in the command line or pipeline file. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${softwareVersion()}\n`);
    return 0;
  }
  if ((name === 'help' && rest.length > 0) || (name && COMMANDS[name] && asksForHelp(rest))) {
    const wanted = name === 'help' ? rest[0] : name;
    const help = COMMANDS[wanted] ? commandHelp(wanted) : undefined;
    if (!help) {
      process.stderr.write(`no command "${wanted}"${didYouMean(wanted, Object.keys(COMMANDS))}\n${usage()}`);
      return 2;
    }
    process.stdout.write(renderCommandHelp(help));
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unknown command "${name}"${didYouMean(name, Object.keys(COMMANDS))}\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(error.message + '\n');
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    if (error instanceof ComponentError) {
      process.stderr.write(`error: ${error.message}\n`);
      return isPipelineFileMistake(error) ? 2 : 1;
    }
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

// A reader that goes away (`pipeline inspect ... | head`) ends the output, not the program with a crash.
// Not for `run`: its stdout sinks handle a closed stdout themselves, and the other sinks must close.
if (process.argv[2] !== 'run') {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Everything is closed by now; a handle some library left open must not keep the command alive.
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (error) => {
    process.stderr.write(`error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
