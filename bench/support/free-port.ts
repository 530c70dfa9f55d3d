import net from 'node:net';

/** A free TCP port on 127.0.0.1 (the kernel's pick, released at once), so a benchmark never collides with a running demo. */
export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
