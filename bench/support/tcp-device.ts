// A device on TCP for bench/live-latency.ts: a server that, once a reader connects, writes harvester
// sample frames of the reference protocol at FRAMES_PER_S, checking the clock every millisecond and
// writing each frame that is due with its own write. Usage: tcp-device.ts PORT_FILE FRAMES_PER_S DURATION_MS
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { FrameType, encodeFrame } from '../../src/sources/simulator/protocol.js';

const [portFile, framesPerSecond, durationMs] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const payload = Buffer.alloc(25 * 8);
for (let i = 0; i < 25; i++) {
  payload.writeUInt32LE(1_000_000_000 + i, i * 8);
  payload.writeUInt32LE(4_000_000 + i, i * 8 + 4);
}

const server = createServer((socket) => {
  socket.setNoDelay(true);
  const start = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const elapsed = performance.now() - start;
    if (elapsed >= durationMs) {
      clearInterval(timer);
      socket.end();
      server.close();
      return;
    }
    const due = Math.floor((elapsed / 1000) * framesPerSecond);
    for (; sent < due; sent++) socket.write(encodeFrame(FrameType.samples, sent & 0xffff, sent * 250, payload));
  }, 1);
  socket.on('error', () => clearInterval(timer));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') writeFileSync(portFile, String(address.port));
});
