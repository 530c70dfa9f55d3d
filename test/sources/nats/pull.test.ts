import { describe, expect, it } from 'vitest';
import { CLIENT_BYTES_PULL_MESSAGES, pullOptions } from '../../../src/sources/nats/pull.js';

const MiB = 1024 * 1024;

describe('nats pull size', () => {
  it('pulls by messages when even messages of the largest size fit in the bytes', () => {
    expect(pullOptions({ messages: 6, bytes: 8 * MiB, maxPayload: MiB }, 1000)).toEqual({ max_messages: 6, expires: 1000 });
  });

  it('pulls by bytes when at least as many messages as the client takes per pull by bytes are asked for', () => {
    expect(pullOptions({ messages: 256, bytes: 8 * MiB, maxPayload: MiB }, 1000)).toEqual({ max_bytes: 8 * MiB, expires: 1000 });
    expect(pullOptions({ messages: CLIENT_BYTES_PULL_MESSAGES, bytes: 8 * MiB, maxPayload: MiB }, 1000)).toEqual({ max_bytes: 8 * MiB, expires: 1000 });
  });

  it('in between, pulls as many messages as fit in the bytes at the largest size, so both bounds hold', () => {
    expect(pullOptions({ messages: 50, bytes: 8 * MiB, maxPayload: MiB }, 1000)).toEqual({ max_messages: 7, expires: 1000 });
  });

  it('raises the bytes to one message of the largest size, so a pull never refuses a stored message', () => {
    expect(pullOptions({ messages: 256, bytes: 64 * 1024, maxPayload: MiB }, 1000)).toEqual({ max_bytes: MiB + 4096, expires: 1000 });
    expect(pullOptions({ messages: 0, bytes: 64 * 1024, maxPayload: MiB }, 1000)).toEqual({ max_messages: 1, expires: 1000 });
  });
});
