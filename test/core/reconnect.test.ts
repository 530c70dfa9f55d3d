import { describe, expect, it } from 'vitest';
import { connectErrorReason } from '../../src/core/reconnect.js';

describe('connectErrorReason', () => {
  const error = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
  it('maps OS errors from ports and sockets to short reasons', () => {
    expect(connectErrorReason(error('Error: No such file or directory, cannot open /dev/ttyACM0'))).toBe('not_found');
    expect(connectErrorReason(error('Error: Permission denied, cannot open /dev/ttyACM0'))).toBe('permission');
    expect(connectErrorReason(error('Error Resource temporarily unavailable Cannot lock port'))).toBe('busy');
    expect(connectErrorReason(error('connect ECONNREFUSED 127.0.0.1:5555', 'ECONNREFUSED'))).toBe('refused');
    expect(connectErrorReason(error('read ECONNRESET', 'ECONNRESET'))).toBe('reset');
    expect(connectErrorReason(error('connecting to 10.0.0.9:5555 timed out after 5000 ms'))).toBe('timeout');
    expect(connectErrorReason(error('something else'))).toBe('connect_failed');
  });
});
