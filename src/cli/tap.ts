import WebSocket from 'ws';
import type { Field } from '../core/batch.js';
import { parseDurationMs } from '../core/options.js';
import { decodeDataMessage } from '../sinks/websocket/page/protocol.js';
import { parseCommandArgs, UsageError } from './args.js';
import { COMMANDS } from './commands.js';
import { registerCommandHelp } from './help.js';
import { type TapFormatter, jsonlFormatter, tableFormatter } from './tap-format.js';


export const tapHelp = registerCommandHelp({
  name: 'tap',
  usage: COMMANDS.tap.usage,
  summary: "Prints records from a running pipeline's websocket sink (its live view), as a table on a terminal or JSON lines for scripts.",
  options: [
    ['URL', 'The live view: http://127.0.0.1:8080/, ws://127.0.0.1:8080/ws or 127.0.0.1:8080'],
    ['--columns a,b', 'Only these columns (time columns always come along)'],
    ['--streams s', "Only these streams: the sink's input names, e.g. the transform it reads (a name it does not have is an error that lists them)"],
    ['--format table', 'jsonl (one JSON object per record) or table; default: table on a terminal, jsonl otherwise'],
    ['--duration 10s', 'Stop after this long; default: until the feed closes or Ctrl-C'],
    ['--token T', "The sink's auth_token, if it has one"],
    ['--no-history', 'Live data only: skip the recent history sent on connect'],
  ],
  examples: ['pipeline tap http://127.0.0.1:8080/ --streams preview --duration 5s', 'pipeline tap 127.0.0.1:8080 --format jsonl --columns voltage | jq .voltage'],
});

interface Output {
  write(text: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on?(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  isTTY?: boolean;
}

/** `pipeline tap URL`: a terminal client of the live feed. Resolves to the process exit code. */
export async function tapCommand(argv: string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    columns: { type: 'string' },
    streams: { type: 'string' },
    format: { type: 'string' },
    duration: { type: 'string' },
    token: { type: 'string' },
    'no-history': { type: 'boolean', default: false },
  });
  if (positionals.length !== 1) throw new UsageError(`tap takes one URL, got ${positionals.length}`);
  const format = values.format ?? (out.isTTY ? 'table' : 'jsonl');
  if (format !== 'jsonl' && format !== 'table') throw new UsageError(`--format must be jsonl or table, got "${format}"`);
  let durationMs: number | undefined;
  let url: URL;
  try {
    durationMs = values.duration === undefined ? undefined : parseDurationMs(values.duration);
    url = feedUrl(positionals[0], values.columns, values.streams, values.token, !values['no-history']);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let anchor = 0n;
  const formatter: TapFormatter = format === 'jsonl' ? jsonlFormatter(() => anchor) : tableFormatter(() => anchor);
  const schemas = new Map<string, readonly Field[]>();

  return new Promise<number>((resolve) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    let done = false;
    const finish = (code: number, message?: string) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      process.off('SIGINT', onSigint);
      if (message) err.write(`pipeline tap: ${message}\n`);
      socket.terminate();
      resolve(code);
    };
    const timer = durationMs === undefined ? undefined : setTimeout(() => finish(0), durationMs);
    const onSigint = () => finish(0);
    // A closed pipe (`pipeline tap URL | head`) ends the tap quietly.
    out.on?.('error', (error) => finish(error.code === 'EPIPE' ? 0 : 1, error.code === 'EPIPE' ? undefined : error.message));
    process.once('SIGINT', onSigint);

    socket.on('unexpected-response', (_request, response) => finish(1, `${url.host} refused the feed: HTTP ${response.statusCode}${response.statusCode === 401 ? ' (wrong or missing --token)' : ''}`));
    socket.on('error', (error) => finish(1, `cannot read the feed at ${url.href}: ${error.message}`));
    socket.on('close', (code) => finish(code === 1000 || code === 1001 ? 0 : 1, `feed closed (${code === 1001 ? 'pipeline stopped' : `code ${code}`})`));
    socket.on('message', (data, isBinary) => {
      try {
        onMessage(data as Buffer, isBinary);
      } catch (error) {
        finish(1, `unreadable message from the feed: ${(error as Error).message}`);
      }
    });
    const onMessage = (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        const message = JSON.parse(data.toString());
        if (message.type === 'hello') {
          anchor = BigInt(message.anchor_wall_ns);
          for (const [stream, info] of Object.entries(message.streams as Record<string, { fields: Field[] }>)) schemas.set(stream, info.fields);
          warnUnknownColumns(values.columns, schemas, err);
        } else if (message.type === 'schema') schemas.set(message.stream, message.fields);
        // A stream the sink does not have would print nothing forever: a command-line mistake.
        else if (message.type === 'error' && message.code === 'unknown_stream') finish(2, `--streams: ${message.message}`);
        else if (message.type === 'error') err.write(`pipeline tap: the feed says: ${message.message}\n`);
        return;
      }
      const { header, columns } = decodeDataMessage(data);
      const lines = formatter.lines(header, columns, schemas.get(header.stream));
      if (lines.length === 0) return;
      // A slow reader (a pipe into a busy script) pauses the socket; the server then applies its policy.
      if (!out.write(`${lines.join('\n')}\n`)) {
        socket.pause();
        out.once('drain', () => socket.resume());
      }
    };
  });
}

/** A typo in --columns would otherwise print time columns only, silently. */
function warnUnknownColumns(columns: string | undefined, schemas: Map<string, readonly Field[]>, err: Output): void {
  if (!columns || schemas.size === 0) return;
  const known = new Set([...schemas.values()].flatMap((fields) => fields.map((f) => f.name)));
  const unknown = columns.split(',').map((c) => c.trim()).filter((c) => c && !known.has(c));
  if (unknown.length > 0) err.write(`pipeline tap: no stream has column(s) ${unknown.join(', ')}; columns: ${[...known].join(', ')}\n`);
}

/** Accepts http(s)://host:port/, ws(s)://host:port/ws or host:port, and adds the subscription query. */
export function feedUrl(text: string, columns?: string, streams?: string, token?: string, history = true): URL {
  const url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `ws://${text}`);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`"${text}" is not an http:// or ws:// address`);
  if (!url.pathname.endsWith('/ws')) url.pathname = `${url.pathname.replace(/\/$/, '')}/ws`;
  if (columns) url.searchParams.set('columns', columns);
  if (streams) url.searchParams.set('streams', streams);
  if (token) url.searchParams.set('token', token);
  if (!history) url.searchParams.set('history', '0');
  return url;
}
