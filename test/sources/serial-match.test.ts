import { describe, expect, it } from 'vitest';
import { connectErrorReason } from '../../src/core/reconnect.js';
import { resolvePortPath } from '../../src/sources/serial/match.js';
import { serialOptions } from '../../src/sources/serial/options.js';

const ports = [
  { path: '/dev/ttyACM0', vendorId: '0483', productId: '5740', serialNumber: 'A1', manufacturer: 'STMicroelectronics', pnpId: undefined, locationId: undefined },
  { path: '/dev/ttyACM1', vendorId: '1366', productId: '0105', serialNumber: '000123456789', manufacturer: 'SEGGER', pnpId: undefined, locationId: undefined },
];
const list = () => Promise.resolve(ports);

describe('serial port matching by USB ids', () => {
  it('opens the fixed path when no match is set', async () => {
    expect(await resolvePortPath(serialOptions.parse({ path: '/dev/ttyUSB3' }), list)).toBe('/dev/ttyUSB3');
  });

  it('finds the port with the given ids, case-insensitively', async () => {
    expect(await resolvePortPath(serialOptions.parse({ match: { vendor_id: '1366', serial_number: '000123456789' } }), list)).toBe('/dev/ttyACM1');
    expect(await resolvePortPath(serialOptions.parse({ match: { product_id: '5740', vendor_id: '0483' } }), list)).toBe('/dev/ttyACM0');
  });

  it('reports a missing device as not found (so it is retried), naming the ids', async () => {
    const error = await resolvePortPath(serialOptions.parse({ match: { vendor_id: 'ffff' } }), list).catch((e: NodeJS.ErrnoException) => e);
    expect(error).toMatchObject({ code: 'ENOENT', message: 'no serial port matches vendor_id=ffff' });
  });

  it('falls back to path when no port matches', async () => {
    expect(await resolvePortPath(serialOptions.parse({ path: '/dev/ttyACM7', match: { vendor_id: 'ffff' } }), list)).toBe('/dev/ttyACM7');
  });

  it('says that listing needs udevadm when it fails', async () => {
    const failing = () => Promise.reject(new Error('spawn udevadm ENOENT'));
    const error = (await resolvePortPath(serialOptions.parse({ match: { vendor_id: '1366' } }), failing).catch((e: Error) => e)) as Error;
    expect(error.message).toBe('cannot list serial ports to find vendor_id=1366 (spawn udevadm ENOENT; is udevadm installed?)');
    expect(connectErrorReason(error)).toBe('list_failed');
  });
});
