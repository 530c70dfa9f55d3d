/**
 * Per-command help. Each command module registers its own text when it is loaded (so a new command
 * brings its help along); the dispatcher answers `pipeline COMMAND --help`, `-h` and
 * `pipeline help COMMAND` from what was registered, before the command parses its arguments.
 */
export interface CommandHelp {
  /** The subcommand, e.g. "run". */
  readonly name: string;
  /** One line: the command with its arguments and flags. */
  readonly usage: string;
  /** What the command does, in a sentence or two. */
  readonly summary: string;
  /** Each flag or argument with what it does (and its default). */
  readonly options?: readonly (readonly [flag: string, text: string])[];
  /** Examples, one command line each (a trailing `# ...` explains it). */
  readonly examples?: readonly string[];
}

const registered = new Map<string, CommandHelp>();

/** Registers a command's help; returns it, so a module can keep it as a constant. */
export function registerCommandHelp(help: CommandHelp): CommandHelp {
  registered.set(help.name, help);
  return help;
}

export function commandHelp(name: string): CommandHelp | undefined {
  return registered.get(name);
}

/** `--help` or `-h` among the arguments (not after `--`, where it is an argument). */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** Lines are kept within this many columns (a terminal of 100). */
const WIDTH = 100;

/** The help text of one command, wrapped to 100 columns. */
export function renderCommandHelp(help: CommandHelp): string {
  const lines = [`usage: ${help.usage}`, '', ...wrap(help.summary, WIDTH, '')];
  if (help.options?.length) {
    const width = Math.min(24, Math.max(...help.options.map(([flag]) => flag.length)));
    const indent = ' '.repeat(width + 4);
    lines.push('', 'options:');
    for (const [flag, text] of help.options) {
      const body = wrap(text, WIDTH, indent);
      if (flag.length > width) lines.push(`  ${flag}`, ...body);
      else lines.push(`  ${flag.padEnd(width)}  ${body[0].trimStart()}`, ...body.slice(1));
    }
  }
  if (help.examples?.length) lines.push('', 'examples:', ...help.examples.map((e) => `  ${e}`));
  return lines.join('\n') + '\n';
}

/** Words of `text` in lines of at most `width` columns, each starting with `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/)) {
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent;
    }
    line += (line.length > indent.length ? ' ' : '') + word;
  }
  lines.push(line);
  return lines;
}
