import type { SimDevice } from './device.js';
import { CURRENT_GAIN, FrameType, SAMPLE_BYTES, TICKS_PER_SECOND, VOLTAGE_GAIN } from './protocol.js';
import type { Prng } from './prng.js';

export interface HarvesterOptions {
  readonly sampleRateHz: number;
  readonly samplesPerFrame: number;
}

/**
 * An energy-harvesting testbed node tracing a solar cell: the load voltage sweeps the cell's I-V
 * curve (a sawtooth from 0 V to just past open-circuit voltage every 100 ms) while irradiance drifts
 * with slow "clouds"; current follows the single-diode model I = Isc - I0 (exp(V / nVt) - 1).
 */
export function createHarvester(options: HarvesterOptions, prng: Prng): SimDevice {
  const { sampleRateHz, samplesPerFrame } = options;
  const ticksPerSample = TICKS_PER_SECOND / sampleRateHz;
  const I0 = 1e-9;
  const N_VT = 0.12; // ideality x thermal voltage x cells in series
  const ISC_FULL_SUN = 0.04;
  const SWEEP_S = 0.1;
  const V_MAX = 2.3;
  let cloud = 0;

  const sample = (tSeconds: number) => {
    const irradiance = Math.min(1, Math.max(0.05, 0.65 + 0.25 * Math.sin((2 * Math.PI * tSeconds) / 7) + cloud));
    const isc = ISC_FULL_SUN * irradiance;
    const voltage = V_MAX * ((tSeconds % SWEEP_S) / SWEEP_S);
    const current = Math.max(0, isc - I0 * (Math.exp(voltage / N_VT) - 1));
    return {
      voltageRaw: Math.max(0, Math.round((voltage * (1 + 0.001 * prng.noise())) / VOLTAGE_GAIN)),
      currentRaw: Math.max(0, Math.round((current + 20e-6 * prng.noise()) / CURRENT_GAIN)),
    };
  };
  const advanceCloud = () => {
    cloud = Math.max(-0.3, Math.min(0.2, cloud * 0.999 + 0.004 * prng.noise()));
  };

  return {
    frameType: FrameType.samples,
    frameRate: sampleRateHz / samplesPerFrame,
    ticksPerFrame: ticksPerSample * samplesPerFrame,
    maxPayload: samplesPerFrame * SAMPLE_BYTES,
    writePayload(target, offset, _frameIndex, ticks) {
      advanceCloud();
      for (let i = 0; i < samplesPerFrame; i++) {
        const s = sample((ticks + i * ticksPerSample) / TICKS_PER_SECOND);
        target.writeUInt32LE(s.voltageRaw, offset + i * SAMPLE_BYTES);
        target.writeUInt32LE(s.currentRaw, offset + i * SAMPLE_BYTES + 4);
      }
      return samplesPerFrame * SAMPLE_BYTES;
    },
    records: {
      rowsPerFrame: samplesPerFrame,
      fields: [
        { name: 'i', type: 'u32' },
        { name: 'voltage_raw', type: 'u32' },
        { name: 'current_raw', type: 'u32' },
      ],
      fill(columns, row, _frameIndex, ticks) {
        advanceCloud();
        const { i: index, voltage_raw: v, current_raw: c } = columns;
        for (let i = 0; i < samplesPerFrame; i++) {
          const s = sample((ticks + i * ticksPerSample) / TICKS_PER_SECOND);
          index[row + i] = i;
          v[row + i] = s.voltageRaw;
          c[row + i] = s.currentRaw;
        }
      },
    },
  };
}
