import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceNodes, portsCommand, renderPorts } from '../../src/cli/ports.js';

const run = promisify(execFile);

describe('pipeline ports', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says that details are unavailable when udevadm cannot be run, and exits 0', async () => {
    // A PATH without udevadm: serialport's list() then fails with "spawn udevadm ENOENT".
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'ports'], { env: { ...process.env, PATH: '/nonexistent' }, timeout: 20_000 });
    expect(stdout).toContain('Port details (vendor, product, serial number) are unavailable');
    expect(stdout).toContain('udevadm');
    expect(stdout).toContain('Device nodes found:');
  });

  it('falls back to the device nodes it can see', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dev-'));
    mkdirSync(path.join(dir, 'serial', 'by-id'), { recursive: true });
    for (const name of ['ttyACM0', 'ttyUSB1', 'ttyS0', 'null']) writeFileSync(path.join(dir, name), '');
    symlinkSync('../../ttyACM0', path.join(dir, 'serial', 'by-id', 'usb-SEGGER_J-Link_000123-if00'));
    expect(await deviceNodes(dir)).toEqual([
      `${dir}/serial/by-id/usb-SEGGER_J-Link_000123-if00 -> ${dir}/ttyACM0`,
      `${dir}/ttyACM0`,
      `${dir}/ttyUSB1`,
    ]);
    let text = '';
    const code = await portsCommand(['--json'], { list: () => Promise.reject(new Error('spawn udevadm ENOENT')), devDir: dir, out: (t) => (text += t) });
    expect(code).toBe(0);
    expect(JSON.parse(text)).toMatchObject({ details_available: false, reason: 'spawn udevadm ENOENT', device_nodes: [expect.stringContaining('usb-SEGGER'), `${dir}/ttyACM0`, `${dir}/ttyUSB1`] });
  });

  it('prints ports with the ids a serial source can match on', () => {
    const table = renderPorts([{ path: '/dev/ttyACM0', vendorId: '1366', productId: '0105', serialNumber: '000123', manufacturer: 'SEGGER', pnpId: undefined, locationId: undefined }]);
    expect(table.split('\n')[0]).toMatch(/^path\s+vendor_id\s+product_id\s+serial_number\s+manufacturer$/);
    expect(table.split('\n')[1]).toMatch(/^\/dev\/ttyACM0\s+1366\s+0105\s+000123\s+SEGGER$/);
    expect(renderPorts([])).toBe('No serial ports found.\n');
  });
});
