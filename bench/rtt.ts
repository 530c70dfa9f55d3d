// RTT through a gdbserver: the test firmware (firmware/rtt-target) in QEMU streams harvest frames in
// block_if_full mode; the rtt source reads them through QEMU's gdbstub (all-stop: the core is halted
// for each poll). Reports sustained bytes/s with nothing lost (the bytes are compared with the
// firmware's documented sequence), and the share of time the core spent halted, both flat out and
// with the firmware paced at about 1 MB/s and 100 kB/s of target time. Goal: >= 1 MB/s flat out,
// halted <= 20 % at 100 kB/s.
//   node --import tsx bench/rtt.ts        (BENCH_RTT_FRAMES, BENCH_RTT_SECONDS; BENCH_RTT_QEMU adds QEMU arguments)
import { standaloneContext } from '../src/core/standalone.js';
import { encodeFrame } from '../src/sources/simulator/protocol.js';
import { rttSource } from '../src/sources/rtt/index.js';
import { QemuTarget, rttFirmware } from '../test/helpers/qemu.js';
import { expectedFrames, FRAME_BYTES, harvestCommand } from '../test/helpers/rtt-firmware.js';
import { report } from './support/report.js';

const FRAMES = Number(process.env.BENCH_RTT_FRAMES ?? 20_000);
const SECONDS = Number(process.env.BENCH_RTT_SECONDS ?? 5);

interface Run {
  bytes: number;
  seconds: number;
  haltedNs: number;
  polls: number;
  lost: boolean;
}

/** Reads `frames` frames (or for `seconds` when frames is 0) sent one per `intervalUs` (0: flat out). */
async function measure(frames: number, intervalUs: number, seconds: number): Promise<Run> {
  const qemu = new QemuTarget(rttFirmware(), 0, (process.env.BENCH_RTT_QEMU ?? '').split(' ').filter(Boolean));
  await qemu.start();
  const context = standaloneContext('rtt', { kind: 'source', type: 'rtt' });
  const options = rttSource.options.parse({
    address: `127.0.0.1:${qemu.port}`,
    channel: 'Harvest',
    control_block: { scan: [0x20000000, 0x10000] },
    mode: 'block_if_full',
    write: { channel: 'Commands', on_connect: harvestCommand(frames, intervalUs) },
  });
  const chunks: Buffer[] = [];
  let bytes = 0;
  let firstAt = 0;
  let startHalted = 0;
  let startPolls = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const subscription = rttSource.create(options, context).subscribe((batch) => {
    if (batch.kind !== 'bytes') return;
    if (bytes === 0) {
      firstAt = performance.now();
      startHalted = context.metrics.counters.get('halted_ns') ?? 0;
      startPolls = context.metrics.counters.get('polls') ?? 0;
    }
    bytes += batch.data.length;
    if (frames > 0) chunks.push(batch.data);
    if (frames > 0 && bytes >= frames * FRAME_BYTES) finish();
  });
  const timer = frames === 0 ? setTimeout(finish, seconds * 1000) : undefined;
  await finished;
  const elapsed = (performance.now() - firstAt) / 1000;
  const haltedNs = (context.metrics.counters.get('halted_ns') ?? 0) - startHalted;
  const polls = (context.metrics.counters.get('polls') ?? 0) - startPolls;
  clearTimeout(timer);
  context.abort.abort();
  subscription.unsubscribe();
  await qemu.stop();
  const lost = frames > 0 && !Buffer.concat(chunks).equals(expectedFrames(frames, encodeFrame));
  return { bytes, seconds: elapsed, haltedNs, polls, lost };
}

const rows: Record<string, string | number>[] = [];
/**
 * `halted %` is interrupt-to-continue as the host sees it. `target time lost %` is the share of
 * wall time the target's own clock did not advance, from the paced firmware's frame count (one frame
 * per interval of target time): it adds what QEMU takes to stop and restart the core.
 */
const row = (name: string, run: Run, intervalUs = 0) =>
  rows.push({
    run: name,
    MB: (run.bytes / 1e6).toFixed(2),
    seconds: run.seconds.toFixed(2),
    'MB/s': (run.bytes / 1e6 / run.seconds).toFixed(3),
    'halted %': ((run.haltedNs / 1e9 / run.seconds) * 100).toFixed(1),
    'polls/s': Math.round(run.polls / run.seconds),
    'halted us/poll': run.polls > 0 ? Math.round(run.haltedNs / 1e3 / run.polls) : 0,
    'target time lost %': intervalUs > 0 ? ((1 - ((run.bytes / FRAME_BYTES) * intervalUs) / 1e6 / run.seconds) * 100).toFixed(1) : '-',
    lost: run.lost ? 'YES' : 'none',
  });

row(`flat out, ${FRAMES} frames`, await measure(FRAMES, 0, 0));
row(`paced ~1 MB/s, ${SECONDS} s`, await measure(0, 213, SECONDS), 213);
row(`paced ~100 kB/s, ${SECONDS} s`, await measure(0, 2130, SECONDS), 2130);
report('rtt', rows, [
  'block_if_full through QEMU 7.2 gdbstub (-M mps2-an385), halt per poll. Paced rates are in target time, which stops while the core is halted.',
  'Goal: >= 1 MB/s flat out with nothing lost; halted <= 20 % at 100 kB/s. The machine load (in the results file) weighs heavily on the halted time: each halt is a few thread hand-offs in QEMU.',
]);
