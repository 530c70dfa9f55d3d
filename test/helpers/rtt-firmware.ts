/**
 * What the RTT test firmware (firmware/rtt-target) sends, computed here from its README's
 * description, independently of the firmware and of the pipeline: its start command, and the sums
 * over the sample frames it generates.
 */

/** The 9-byte `H` command: `frames` frames (0: no end), one every `intervalUs` of target time (0: back to back). */
export function harvestCommand(frames: number, intervalUs = 0): number[] {
  const command = Buffer.alloc(9);
  command[0] = 0x48;
  command.writeUInt32LE(frames, 1);
  command.writeUInt32LE(intervalUs, 5);
  return [...command];
}

export const SAMPLES_PER_FRAME = 25;
export const FRAME_BYTES = 213;

/** voltage_raw and current_raw of sample n = 25 f + i, as the README defines them. */
export function sample(n: number): { voltage: bigint; current: bigint } {
  const v = (BigInt(n) * 2654435761n) % 2n ** 32n;
  const c = (BigInt(n) * 40503n + 12345n) % 2n ** 32n;
  return { voltage: v, current: c };
}

/** Sums over frames `0 .. frames-1`. */
export function expectedSums(frames: number): { rows: number; voltage: bigint; current: bigint } {
  let voltage = 0n;
  let current = 0n;
  for (let n = 0; n < frames * SAMPLES_PER_FRAME; n++) {
    const s = sample(n);
    voltage += s.voltage;
    current += s.current;
  }
  return { rows: frames * SAMPLES_PER_FRAME, voltage, current };
}

/** The exact bytes of frames `0 .. frames-1` on the harvest channel, built from the README's definition. */
export function expectedFrames(frames: number, encode: (type: number, seq: number, ticks: number, payload: Buffer) => Buffer): Buffer {
  const out: Buffer[] = [];
  for (let f = 0; f < frames; f++) {
    const payload = Buffer.alloc(SAMPLES_PER_FRAME * 8);
    for (let i = 0; i < SAMPLES_PER_FRAME; i++) {
      const s = sample(f * SAMPLES_PER_FRAME + i);
      payload.writeUInt32LE(Number(s.voltage), i * 8);
      payload.writeUInt32LE(Number(s.current), i * 8 + 4);
    }
    out.push(encode(0x01, f & 0xffff, (f * 250) >>> 0, payload));
  }
  return Buffer.concat(out);
}

/** The 9-byte `T` command: restart the trace stream for `hyperperiods` 10 ms periods (0: no end). */
export function traceCommand(hyperperiods: number): number[] {
  const command = Buffer.alloc(9);
  command[0] = 0x54;
  command.writeUInt32LE(hyperperiods, 1);
  return [...command];
}
