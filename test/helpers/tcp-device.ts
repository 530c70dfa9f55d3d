import net from 'node:net';

/**
 * A device on a TCP port for tests: accepts connections on 127.0.0.1 and lets the test write to
 * them; `stop()` closes it (the device goes away), `start()` on the same port brings it back.
 */
export class TcpDevice {
  port = 0;
  readonly sockets = new Set<net.Socket>();
  received = Buffer.alloc(0);
  private server: net.Server | undefined;

  async start(): Promise<void> {
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
      socket.on('error', () => undefined);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
  }

  /** Writes to every connected peer; resolves when the data is handed to the kernel. */
  async write(data: Buffer): Promise<void> {
    await Promise.all([...this.sockets].map((socket) => new Promise<void>((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())))));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Connects to 127.0.0.1:port and resolves with the open socket. */
export function connectTo(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}
