import type { SerialPort } from 'serialport';
import type { SerialOptions } from './options.js';

type PortInfo = Awaited<ReturnType<typeof SerialPort.list>>[number];
type Match = NonNullable<SerialOptions['match']>;

const same = (want: string | undefined, got: string | undefined) => want === undefined || (got !== undefined && want.toLowerCase() === got.toLowerCase());

/** True when `port` has every USB id that `match` names. */
export function portMatches(port: PortInfo, match: Match): boolean {
  return same(match.vendor_id, port.vendorId) && same(match.product_id, port.productId) && same(match.serial_number, port.serialNumber);
}

export function describeMatch(match: Match): string {
  const parts = Object.entries(match).map(([key, value]) => `${key}=${value}`);
  return parts.length > 0 ? parts.join(' ') : 'any port';
}

/**
 * The path to open: the port matching the USB ids when `match` is set (looked up anew on every
 * connect, so a device that comes back under another name is found), else `path`.
 */
export async function resolvePortPath(options: SerialOptions, list: () => Promise<PortInfo[]> = listPorts): Promise<string> {
  if (options.match === undefined) return options.path as string;
  let ports: PortInfo[];
  try {
    ports = await list();
  } catch (error) {
    const message = `cannot list serial ports to find ${describeMatch(options.match)} (${(error as Error).message}; is udevadm installed?)`;
    throw Object.assign(new Error(message), { code: 'E_LIST_PORTS' });
  }
  const found = ports.find((port) => portMatches(port, options.match as Match));
  if (found !== undefined) return found.path;
  if (options.path !== undefined) return options.path;
  throw Object.assign(new Error(`no serial port matches ${describeMatch(options.match)}`), { code: 'ENOENT' });
}

/** The system's serial ports; serialport (a native addon) loads at the first connect, not with the definition. */
async function listPorts(): Promise<PortInfo[]> {
  const { SerialPort } = await import('serialport');
  return SerialPort.list();
}
