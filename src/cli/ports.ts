import { readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { parseCommandArgs } from './args.js';
import { registerCommandHelp } from './help.js';


export const portsHelp = registerCommandHelp({
  name: 'ports',
  usage: 'pipeline ports [--json]',
  summary: "Lists serial ports with vendor, product and serial number, for a serial source's `path` or `match`.",
  options: [['--json', 'Print the list as JSON']],
});

type PortInfo = Awaited<ReturnType<typeof SerialPort.list>>[number];

export interface PortsEnvironment {
  /** Lists ports with details (serialport's list, which runs udevadm on Linux). */
  list?: () => Promise<PortInfo[]>;
  /** Where device nodes live; a test points this at a directory of its own. */
  devDir?: string;
  out?: (text: string) => void;
}

/**
 * Lists serial ports with vendor, product and serial number. Listing details needs udevadm on
 * Linux; without it the command says so and lists the device nodes it can see instead of failing.
 */
export async function portsCommand(argv: string[], env: PortsEnvironment = {}): Promise<number> {
  const { values } = parseCommandArgs(argv, { json: { type: 'boolean', default: false } }, false);
  const out = env.out ?? ((text: string) => process.stdout.write(text));
  const list = env.list ?? (() => SerialPort.list());
  let ports: PortInfo[];
  try {
    ports = await list();
  } catch (error) {
    const nodes = await deviceNodes(env.devDir ?? '/dev');
    if (values.json) {
      out(JSON.stringify({ details_available: false, reason: (error as Error).message, device_nodes: nodes }, null, 2) + '\n');
      return 0;
    }
    out(
      `Port details (vendor, product, serial number) are unavailable: listing failed (${(error as Error).message}).\n` +
        `On Linux this needs udevadm (Debian/Ubuntu: apt-get install udev). Device nodes found:\n` +
        (nodes.length > 0 ? nodes.map((n) => `  ${n}\n`).join('') : '  none (/dev/serial/by-id, /dev/ttyUSB*, /dev/ttyACM*)\n'),
    );
    return 0;
  }
  if (values.json) {
    out(JSON.stringify({ details_available: true, ports }, null, 2) + '\n');
    return 0;
  }
  out(renderPorts(ports));
  return 0;
}

/** A table of ports and the ids to put in a serial source's `match`. */
export function renderPorts(ports: readonly PortInfo[]): string {
  if (ports.length === 0) return 'No serial ports found.\n';
  const rows = [['path', 'vendor_id', 'product_id', 'serial_number', 'manufacturer'], ...ports.map((p) => [p.path, p.vendorId ?? '-', p.productId ?? '-', p.serialNumber ?? '-', p.manufacturer ?? '-'])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * Serial device nodes visible without udev's help: the stable /dev/serial/by-id links (with their
 * targets) and the USB CDC/ACM and USB-serial nodes.
 */
export async function deviceNodes(devDir: string): Promise<string[]> {
  const found: string[] = [];
  const byId = path.join(devDir, 'serial', 'by-id');
  for (const name of await readdir(byId).catch(() => [] as string[])) {
    const link = path.join(byId, name);
    const target = await readlink(link).catch(() => undefined);
    found.push(target === undefined ? link : `${link} -> ${path.resolve(byId, target)}`);
  }
  const names = await readdir(devDir).catch(() => [] as string[]);
  for (const name of names.filter((n) => /^tty(USB|ACM)\d+$/.test(n)).sort()) found.push(path.join(devDir, name));
  return found;
}
