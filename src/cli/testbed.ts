import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sleep } from '../core/sleep.js';
import { NatsServerProcess } from '../core/nats/server-process.js';
import { parseCommandArgs, UsageError } from './args.js';
import { COMMANDS } from './commands.js';
import { registerCommandHelp } from './help.js';


export const testbedHelp = registerCommandHelp({
  name: 'testbed',
  usage: COMMANDS.testbed.usage,
  summary: 'A whole testbed on this machine: a local NATS JetStream broker, N simulated nodes and the central recorder with its live page (docs/scale-out.md). Ctrl-C stops everything in order.',
  options: [
    ['--nodes 3', 'How many simulated nodes (1 to 100)'],
    ['--duration 60s', 'Stop the nodes after this long; the recorder stops once it has everything they sent'],
    ['--live 127.0.0.1:8080', "Address of the central recorder's live page"],
    ['--data-dir DIR', 'Where the recordings go (as for run); default: the current directory'],
  ],
  examples: ['pipeline testbed --nodes 3 --duration 30s'],
});

const PIPELINES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pipelines');

/**
 * A whole testbed on this machine: a JetStream broker on a free loopback port with a temporary store,
 * N simulated nodes (pipelines/testbed-node.yml, seeds 1..N) and the central recorder
 * (pipelines/testbed-central.yml) with its live page. Ctrl-C stops the nodes, then the central
 * pipeline once it has recorded what the broker holds, then the broker; everything by PID.
 */
export async function testbedCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs(argv, { nodes: { type: 'string', default: '3' }, duration: { type: 'string' }, live: { type: 'string', default: '127.0.0.1:8080' }, 'data-dir': { type: 'string' } }, false);
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 100) throw new UsageError('--nodes takes 1 to 100');
  const store = mkdtempSync(path.join(tmpdir(), 'testbed-jetstream-'));
  let broker: NatsServerProcess;
  try {
    broker = await NatsServerProcess.start(store, { ownProcessGroup: true });
  } catch (error) {
    rmSync(store, { recursive: true, force: true });
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 1;
  }
  process.stderr.write(`testbed: broker ${broker.url} (pid ${broker.pid}, store ${store}), ${nodes} nodes, central live page http://${values.live}/\n`);
  const env = { ...process.env, NATS_URL: broker.url };
  const dataDir = values['data-dir'] ? ['--data-dir', values['data-dir']] : [];
  // Only the nodes run for --duration; the central pipeline stops once it has recorded all they sent.
  const central = start('central', ['run', path.join(PIPELINES, 'testbed-central.yml'), ...dataDir], { ...env, LIVE_LISTEN: values.live });
  const nodeArgs = ['run', path.join(PIPELINES, 'testbed-node.yml'), ...(values.duration ? ['--duration', values.duration] : []), ...dataDir];
  const children = Array.from({ length: nodes }, (_, i) => start(`node-${i + 1}`, nodeArgs, { ...env, NODE_NAME: `node-${i + 1}`, SEED: String(i + 1) }));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('testbed: stopping nodes, then the central pipeline once it has recorded what they sent, then the broker\n');
    await Promise.all(children.map((c) => terminate(c.child)));
    await drained(broker.url);
    await terminate(central.child);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The children are in process groups of their own (Ctrl-C reaches only this process, which stops
  // them in order); if this process ends some other way, none of them is left running.
  const killLeftovers = () => {
    for (const pid of [...children.map((c) => c.child.pid), central.child.pid, broker.pid]) {
      try {
        if (pid !== undefined) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killLeftovers);
  const nodeCodes = await Promise.all(children.map((c) => c.exited));
  await stop();
  const codes = [await central.exited, ...nodeCodes];
  await broker.stop();
  process.off('exit', killLeftovers);
  rmSync(store, { recursive: true, force: true });
  const failed = codes.filter((code) => code !== 0).length;
  if (failed > 0) process.stderr.write(`testbed: ${failed} of ${codes.length} pipelines exited with an error (their output is above)\n`);
  return failed > 0 ? 1 : 0;
}

/**
 * Runs `pipeline ARGS` as a child, its output prefixed with its name: in a process group of its own,
 * so a terminal's Ctrl-C does not stop it before its turn, and with an IPC channel, whose loss (this
 * process gone) the run command takes as a clean stop.
 */
function start(name: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number> } {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true });
  const prefix = (stream: NodeJS.WritableStream) => (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) stream.write(`[${name}] ${line}\n`);
  };
  child.stdout!.on('data', prefix(process.stdout));
  child.stderr!.on('data', prefix(process.stderr));
  const exited = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
  return { child, exited };
}

/** SIGINT (a clean stop that flushes), then waits for the exit. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  process.kill(child.pid!, 'SIGINT');
  await exited;
}

/** Waits (at most a minute) until the central consumer has nothing pending or unacknowledged. */
async function drained(url: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const info = await jsm.consumers.info('TESTBED', 'central').catch(() => undefined);
      if (info && info.num_pending === 0 && info.num_ack_pending === 0) return;
      await sleep(200);
    }
    process.stderr.write('testbed: the central pipeline did not catch up within 60 s; stopping it anyway (the broker keeps the rest)\n');
  } finally {
    await nc.close();
  }
}
