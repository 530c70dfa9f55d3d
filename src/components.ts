import type { ComponentDefinition } from './core/component.js';
import { Registry } from './core/registry.js';
import { cpuWindow } from './operators/cpu-window/index.js';
import { derive } from './operators/derive.js';
import { downsample } from './operators/downsample/index.js';
import { filter } from './operators/filter.js';
import { jitter } from './operators/jitter.js';
import { rename } from './operators/rename.js';
import { rollover } from './operators/rollover/index.js';
import { select } from './operators/select.js';
import { window } from './operators/window/index.js';
import { traceRecorder } from './operators/trace-recorder/index.js';
import { crcOperator } from './operators/crc/index.js';
import { decodeOperator } from './operators/decode/index.js';
import { frameOperator } from './operators/frame/index.js';
import { routeOperator } from './operators/route.js';
import { arrowSink } from './sinks/arrow.js';
import { captureSink } from './sinks/capture.js';
import { natsSink } from './sinks/nats/index.js';
import { parquetSink } from './sinks/parquet.js';
import { relaySink } from './sinks/relay/index.js';
import { stdoutSink } from './sinks/stdout/index.js';
import { websocketSink } from './sinks/websocket/index.js';
import { fileSource } from './sources/file.js';
import { natsSource } from './sources/nats/index.js';
import { serialSource } from './sources/serial/index.js';
import { simulatorSource } from './sources/simulator/index.js';
import { rttSource } from './sources/rtt/index.js';
import { tcpSource } from './sources/tcp/index.js';
import { udpSource } from './sources/udp.js';

/**
 * Every component the `pipeline` command knows, listed explicitly (no import side effects).
 * Adding a component means adding its file, its test, and two lines here: the import and the entry.
 */
export const COMPONENTS: readonly ComponentDefinition[] = [
  // sources
  simulatorSource,
  fileSource,
  serialSource,
  tcpSource,
  udpSource,
  rttSource,
  natsSource,
  // operators
  rollover,
  derive,
  jitter,
  cpuWindow,
  downsample,
  window,
  filter,
  select,
  rename,
  frameOperator,
  crcOperator,
  decodeOperator,
  routeOperator,
  traceRecorder,
  // sinks
  stdoutSink,
  captureSink,
  relaySink,
  websocketSink,
  parquetSink,
  arrowSink,
  natsSink,
];

export function defaultRegistry(): Registry {
  return new Registry(COMPONENTS);
}
