import type { SimDevice } from './device.js';
import { FrameType } from './protocol.js';
import type { Prng } from './prng.js';

const MAX_LINE = 160;

/** Firmware log text, ten key=value lines a second, with an occasional warning. */
export function createLogDevice(prng: Prng): SimDevice {
  let battery = 3.3;
  return {
    frameType: FrameType.log,
    frameRate: 10,
    ticksPerFrame: 100_000,
    maxPayload: MAX_LINE,
    writePayload(target, offset, frameIndex, ticks) {
      battery = Math.max(2.9, battery - 0.0002 + 0.0004 * prng.noise() * 0.1);
      const warn = prng.chance(0.02);
      const line =
        `level=${warn ? 'warn' : 'info'} uptime_ms=${Math.floor(ticks / 1000)} vbat=${battery.toFixed(3)} ` +
        `temp_c=${(24 + prng.noise() * 0.3).toFixed(2)} msg=${warn ? 'brownout_near' : 'heartbeat'} n=${frameIndex}\n`;
      return target.write(line.slice(0, MAX_LINE), offset, 'latin1');
    },
  };
}
