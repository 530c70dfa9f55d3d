import { describe, expect, it } from 'vitest';
import { confinePath } from '../../src/core/paths.js';

describe('confinePath', () => {
  it('resolves paths below the base directory', () => {
    expect(confinePath('/data', 'recordings/a.parquet')).toBe('/data/recordings/a.parquet');
    expect(confinePath('/data', '/data/x/y')).toBe('/data/x/y');
    expect(confinePath('/data', 'a/../b')).toBe('/data/b');
  });

  it('refuses paths that escape it', () => {
    for (const p of ['../x', 'a/../../x', '/etc/passwd', '/data2/x']) expect(() => confinePath('/data', p, 'sinks.rec.path')).toThrow(/sinks\.rec\.path .* outside the data directory \/data/);
  });
});
