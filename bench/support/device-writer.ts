// The "device" side of bench/device-sources.ts, in its own process so its blocking writes and CPU
// are not the reader's: writes `size` bytes of reference-protocol frames to a pty link (pty PATH SIZE)
// or to the first client of a TCP listener on 127.0.0.1 (tcp SIZE, prints "port N"). Waits to be
// stopped by its parent (by PID) so the pty stays open until the reader has everything.
import { openSync, writeSync } from 'node:fs';
import net from 'node:net';
import { devicePayload } from './device-payload.js';

const [mode, a, b] = process.argv.slice(2);
if (mode === 'pty') {
  const payload = devicePayload(Number(b));
  const fd = openSync(a, 'w');
  for (let offset = 0; offset < payload.length; offset += 65536) writeSync(fd, payload, offset, Math.min(65536, payload.length - offset));
  process.stdout.write('done\n');
  setInterval(() => undefined, 1000); // keep the pty open until stopped
} else if (mode === 'tcp') {
  const payload = devicePayload(Number(a));
  const server = net.createServer((socket) => {
    server.close();
    socket.end(payload);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${(server.address() as net.AddressInfo).port}\n`));
} else {
  process.stderr.write('usage: device-writer pty PATH SIZE | tcp SIZE\n');
  process.exit(2);
}
