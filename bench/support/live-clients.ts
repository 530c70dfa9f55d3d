// WebSocket clients for bench/live-latency.ts, in their own process so their work does not share the
// pipeline's event loop. Usage: live-clients.ts URL CLIENTS DURATION_MS [ANCHOR_MONO_NS]
// Prints one JSON line: messages and rows received, and (for records with a host_time column) the
// latency from the source's receive time to this process receiving the message. ANCHOR_MONO_NS is the
// pipeline clock's anchor on CLOCK_MONOTONIC (process.hrtime), which all processes on one Linux
// machine share, so host_time + anchor is comparable with this process's hrtime.
import WebSocket from 'ws';
import { decodeDataMessage } from '../../src/sinks/websocket/page/protocol.js';

const [url, clients, durationMs, anchorMonoNs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5] ?? 0)];
const latenciesUs: number[] = [];
let messages = 0;
let rows = 0;
let bytes = 0;
let firstAt = 0;
let lastAt = 0;

const sockets = Array.from({ length: clients }, (_, index) => {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('message', (data: Buffer, isBinary) => {
    const nowMonoNs = Number(process.hrtime.bigint());
    if (!isBinary) {
      return;
    }
    lastAt = performance.now();
    if (messages === 0) firstAt = lastAt;
    messages++;
    bytes += data.length;
    // Latency is measured on the first client only: decoding every copy would measure this process.
    if (index !== 0) return;
    const { header, columns } = decodeDataMessage(data);
    rows += header.rows;
    const hostTime = columns.host_time;
    if (hostTime) latenciesUs.push((nowMonoNs - (anchorMonoNs + hostTime[0])) / 1000);
  });
  return socket;
});

setTimeout(() => {
  for (const socket of sockets) socket.terminate();
  process.stdout.write(JSON.stringify({ messages, rows, bytes, seconds: (lastAt - firstAt) / 1000, latenciesUs }) + '\n');
}, durationMs);
