import { VirtualTimeScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { standaloneContext } from '../../../src/core/standalone.js';
import { stdoutSink } from '../../../src/sinks/stdout/index.js';

describe('stdout sink timer', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints its summary lines on the context scheduler, so virtual time drives them', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((text: string | Uint8Array) => {
      lines.push(String(text));
      return true;
    });
    const scheduler = new VirtualTimeScheduler();
    const sink = await stdoutSink.create(stdoutSink.options.parse({ format: 'summary', every: '1s' }), standaloneContext('out', { kind: 'sink', type: 'stdout', scheduler }));
    expect(lines).toHaveLength(0);
    scheduler.maxFrames = 3500;
    scheduler.flush();
    // Ticks at 1 s, 2 s and 3 s of virtual time; none of wall-clock time has to pass.
    expect(lines).toHaveLength(3);
    expect(lines.every((line) => / \| errors 0 \| out 0\/s q=0\n$/.test(line))).toBe(true);
    await sink.close();
    expect(lines).toHaveLength(4);
  });
});
