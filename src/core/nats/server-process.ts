import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';

/**
 * A local nats-server with JetStream, for `pipeline testbed` and the tests: loopback only, a store
 * directory of the caller's, stopped by its PID. `restart()` brings it back on the same port and
 * store, as a broker restart in production would.
 */
export class NatsServerProcess {
  private child: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly binary: string,
    private readonly ownProcessGroup: boolean,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts a server on `port` (a free loopback port when 0) with its JetStream store in `storeDir`.
   * `ownProcessGroup` keeps a terminal's Ctrl-C (sent to the whole foreground group) from reaching
   * it, so the caller decides when it stops.
   */
  static async start(storeDir: string, options: { port?: number; binary?: string; timeoutMs?: number; ownProcessGroup?: boolean } = {}): Promise<NatsServerProcess> {
    const port = options.port || (await freeLoopbackPort());
    const server = new NatsServerProcess(port, storeDir, options.binary ?? defaultBinary(), options.ownProcessGroup ?? false);
    await server.launch(options.timeoutMs ?? 10_000);
    return server;
  }

  async restart(timeoutMs = 10_000): Promise<void> {
    await this.stop();
    await this.launch(timeoutMs);
  }

  /** Stops the server by its PID: SIGTERM (it flushes its store), SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid!, 'SIGTERM');
    const timer = setTimeout(() => child.exitCode === null && child.signalCode === null && process.kill(child.pid!, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  private launch(timeoutMs: number): Promise<void> {
    const args = ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir];
    const child = spawn(this.binary, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: this.ownProcessGroup });
    this.child = child;
    return new Promise((resolve, reject) => {
      let log = '';
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`nats-server did not start within ${timeoutMs} ms: ${log.slice(-2000)}`)), timeoutMs);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (child.exitCode === null) child.kill('SIGKILL');
        reject(error);
      };
      child.once('error', (error: NodeJS.ErrnoException) =>
        fail(error.code === 'ENOENT' ? new Error(`${this.binary} is not installed (Debian package nats-server; \`npm run test:deps\` installs it)`) : error),
      );
      child.once('exit', (code) => fail(new Error(`nats-server exited with ${code}: ${log.slice(-2000)}`)));
      child.stderr!.on('data', (chunk: Buffer) => {
        if (log.length < 64 * 1024) log += chunk.toString();
        if (!settled && log.includes('Server is ready')) {
          settled = true;
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Debian installs the server in /usr/sbin, which is not on every user's PATH. */
function defaultBinary(): string {
  return existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
}
