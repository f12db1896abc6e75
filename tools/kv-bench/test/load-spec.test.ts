import { describe, expect, it } from 'vitest';
import { defaultLoadSpec, splitLoadSpec, validateLoadSpec } from '../src/load/load-spec.js';

describe('load spec', () => {
  it('splits clients, conns and total over the workers without losing any', () => {
    const spec = { ...defaultLoadSpec(), clients: 256, conns: 16, total: 10_001, workers: 3 };
    const parts = splitLoadSpec(spec);
    expect(parts.map((p) => p.clients)).toEqual([86, 85, 85]);
    expect(parts.map((p) => p.conns)).toEqual([6, 5, 5]);
    expect(parts.reduce((n, p) => n + p.total, 0)).toBe(10_001);
    expect(parts.every((p) => p.workers === 1)).toBe(true);
  });

  it('names the field and the broken relationship', () => {
    expect(() => validateLoadSpec({ ...defaultLoadSpec(), clients: 4, conns: 8 })).toThrow(
      'conns (8) must not exceed clients (4)',
    );
    expect(() => validateLoadSpec({ ...defaultLoadSpec(), keySize: 1, keySpaceSize: 1_000 })).toThrow(
      'key-space-size (1000) does not fit in key-size (1) bytes',
    );
  });
});
