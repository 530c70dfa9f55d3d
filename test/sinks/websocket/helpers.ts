import http from 'node:http';
import pino, { type Logger } from 'pino';
import type { SchedulerLike } from 'rxjs';
import WebSocket from 'ws';
import { type Field, type RecordsBatch, recordsBatch } from '../../../src/core/batch.js';
import { type StandaloneContext, standaloneContext } from '../../../src/core/standalone.js';
import { type WebsocketSinkInstance, websocketSink } from '../../../src/sinks/websocket/index.js';
import { type DataHeader, decodeDataMessage } from '../../../src/sinks/websocket/page/protocol.js';

export const SAMPLE_FIELDS: Field[] = [
  { name: 'host_time', type: 'f64', unit: 'ns', time: 'host' },
  { name: 'voltage', type: 'f64', unit: 'V' },
  { name: 'seq', type: 'u16' },
];

/** A batch of `rows` rows whose seq column continues from `first`, so receivers can spot gaps. */
export function sampleBatch(first: number, rows: number, source = 'samples'): RecordsBatch {
  const time = new Float64Array(rows);
  const voltage = new Float64Array(rows);
  const seq = new Uint16Array(rows);
  for (let i = 0; i < rows; i++) {
    time[i] = (first + i) * 10_000;
    voltage[i] = 2 + Math.sin((first + i) / 100);
    seq[i] = (first + i) & 0xffff;
  }
  return recordsBatch(source, SAMPLE_FIELDS, { host_time: time, voltage, seq }, rows);
}

export async function startSink(
  raw: Record<string, unknown> = {},
  overrides: { log?: Logger; scheduler?: SchedulerLike; inputs?: readonly string[] } = {},
): Promise<{ sink: WebsocketSinkInstance; context: StandaloneContext }> {
  const base = standaloneContext('live', { kind: 'sink', type: 'websocket', scheduler: overrides.scheduler, inputs: overrides.inputs });
  const context: StandaloneContext = overrides.log ? { ...base, log: overrides.log } : base;
  const sink = (await websocketSink.create(websocketSink.options.parse({ listen: '127.0.0.1:0', ...raw }), context)) as WebsocketSinkInstance;
  return { sink, context };
}

export function wsUrl(httpUrl: string, query = ''): string {
  return `${httpUrl.replace(/^http/, 'ws')}ws${query}`;
}

/** A feed client that records every message; `until` waits (bounded) for a condition on them. */
export class TestClient {
  readonly control: any[] = [];
  readonly data: { header: DataHeader; columns: Record<string, Float64Array> }[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  closeCode: number | undefined;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers, perMessageDeflate: false });
    this.socket.on('message', (message, isBinary) => {
      if (isBinary) this.data.push(decodeDataMessage(message as Buffer));
      else this.control.push(JSON.parse(message.toString()));
    });
    this.socket.on('close', (code) => (this.closeCode = code));
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  async until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  rows(): number {
    return this.data.reduce((sum, m) => sum + m.header.rows, 0);
  }

  close(): void {
    this.socket.terminate();
  }
}

/** A pino logger that keeps every line as a parsed object, for tests that check what was logged. */
export function recordingLogger(): { log: Logger; lines: Array<{ level: number; msg: string } & Record<string, unknown>> } {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/**
 * Sends one GET (or a WebSocket upgrade) with exactly the given headers, Host included, as a page
 * on another name resolving to 127.0.0.1 would. Resolves with the status (101 for an accepted
 * upgrade) and the headers of the answer.
 */
export function rawRequest(httpUrl: string, path: string, headers: Record<string, string>, upgrade = false): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(httpUrl);
  const upgradeHeaders = upgrade ? { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } : {};
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path, method: 'GET', headers: { ...upgradeHeaders, ...headers }, agent: false });
    request.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    request.on('response', (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    request.on('error', reject);
    request.end();
  });
}
