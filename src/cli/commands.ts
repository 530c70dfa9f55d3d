/** A subcommand: resolves to the process exit code. */
export type Command = (argv: string[]) => Promise<number>;

export interface CommandEntry {
  /** One line for `pipeline --help` and usage errors. */
  readonly usage: string;
  /** Imports the command's module. */
  load(): Promise<Command>;
}

/**
 * Subcommands, one line each; each lives in src/cli/<name>.ts and is imported only when it runs, so
 * `pipeline list` does not load DuckDB, parquet-wasm or the live view.
 */
export const COMMANDS = {
  run: { usage: 'pipeline run FILE [--set key.path=value]... [--tag key=value]... [--duration 30s] [--log-level info] [--data-dir DIR]', load: () => import('./run.js').then((m) => m.runCommand) },
  validate: { usage: 'pipeline validate FILE [--set key.path=value]... [--data-dir DIR]', load: () => import('./validate.js').then((m) => m.validateCommand) },
  list: { usage: 'pipeline list [TYPE]   (all components, or one with its options)', load: () => import('./list.js').then((m) => m.listCommand) },
  schema: { usage: 'pipeline schema   (JSON Schema of pipeline files, for editors)', load: () => import('./schema.js').then((m) => m.schemaCommand) },
  simulate: { usage: 'pipeline simulate [--device harvester|tasks|log] [--rate realtime|max] [--seed N] [--frames N] [--duration 10s] [--set option=value]... [--out FILE [--format raw|capture] | --tcp 127.0.0.1:PORT]', load: () => import('./simulate.js').then((m) => m.simulateCommand) },
  tap: { usage: 'pipeline tap URL [--columns a,b] [--streams s] [--format jsonl|table] [--duration 10s] [--token T] [--no-history]', load: () => import('./tap.js').then((m) => (argv: string[]) => m.tapCommand(argv)) },
  ports: { usage: 'pipeline ports [--json]   (serial ports with their USB ids, for `path` or `match` of a serial source)', load: () => import('./ports.js').then((m) => m.portsCommand) },
  inspect: { usage: 'pipeline inspect FILE|DIR [--head N] [--json]   (schema, rows, time range, metadata, column stats of a recording)', load: () => import('./inspect.js').then((m) => m.inspectCommand) },
  recover: { usage: 'pipeline recover DIR   (complete recordings cut short by a crash or kill -9)', load: () => import('./recover.js').then((m) => m.recoverCommand) },
  testbed: { usage: 'pipeline testbed [--nodes N] [--duration 60s] [--live 127.0.0.1:8080] [--data-dir DIR]', load: () => import('./testbed.js').then((m) => m.testbedCommand) },
  test: { usage: 'pipeline test FILE|DIR... [--name TEXT] [--data-dir DIR]', load: () => import('./test.js').then((m) => m.testCommand) },
} as const satisfies Record<string, CommandEntry>;
