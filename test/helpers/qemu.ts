import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './cli.js';

/** Builds the RTT test firmware if it is missing or older than its sources; returns the ELF's path. */
export function rttFirmware(): string {
  execFileSync('bash', [path.join(ROOT, 'scripts/build-firmware.sh')], { stdio: 'pipe' });
  return path.join(ROOT, 'build/firmware/rtt-target.elf');
}

/** A free TCP port on 127.0.0.1 (the kernel's pick, released at once for QEMU to bind). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The firmware running in `qemu-system-arm -M mps2-an385`, halted at reset (-S) with its gdbstub on
 * 127.0.0.1:`port`. `stop()` kills it by PID (a power cut for the target); `start()` again is a fresh
 * boot on the same port.
 */
export class QemuTarget {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  stderr = '';

  constructor(
    readonly elf: string,
    public port = 0,
    /** More QEMU arguments, e.g. `-icount shift=auto` to tie the target's clock to instructions. */
    readonly extraArgs: readonly string[] = [],
  ) {}

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn('qemu-system-arm', ['-M', 'mps2-an385', '-display', 'none', '-serial', 'null', '-monitor', 'none', '-kernel', this.elf, '-gdb', `tcp:127.0.0.1:${this.port}`, '-S', ...this.extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // Ready when the gdbstub's port accepts (checked without connecting, which would take the stub).
    const deadline = Date.now() + 10_000;
    while (!(await portBound(this.port))) {
      if (child.exitCode !== null) throw new Error(`qemu-system-arm exited: ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`qemu-system-arm did not open port ${this.port}: ${this.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    await this.exited;
  }
}

/** True when something listens on 127.0.0.1:port (a bind attempt fails with EADDRINUSE). */
function portBound(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}
