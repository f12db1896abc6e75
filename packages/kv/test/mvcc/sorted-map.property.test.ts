import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SortedMap } from '../../src/mvcc/sorted-map.js';

// 300 two-byte keys (latin1): enough sets to split leaves, enough hits for deletes to merge them.
const keyArb = fc.integer({ min: 0, max: 299 }).map((n) => String.fromCharCode(n >> 8, n & 0xff));
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constant('set' as const), keyArb, fc.integer()) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('delete' as const), keyArb, fc.constant(0)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('range' as const), keyArb, fc.integer({ min: 0, max: 255 })) },
);

describe('SortedMap against a sorted array', () => {
  it('agrees on get, size, delete and ranges through leaf splits and merges', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 500, maxLength: 3000 }), fc.constantFrom(4, 8, 256), (ops, leafMax) => {
        const map = new SortedMap<number>(leafMax);
        const model = new Map<string, number>();
        for (const [op, key, n] of ops) {
          if (op === 'set') {
            map.set(key, n);
            model.set(key, n);
          } else if (op === 'delete') {
            expect(map.delete(key)).toBe(model.delete(key));
          } else {
            const to = n === 0 ? undefined : `${key}${String.fromCharCode(n)}`;
            const want = [...model.entries()]
              .filter(([k]) => k >= key && (to === undefined || k < to))
              .sort(([a], [b]) => (a < b ? -1 : 1));
            expect([...map.range(key, to)]).toEqual(want);
          }
          expect(map.get(key)).toBe(model.get(key));
        }
        expect(map.size).toBe(model.size);
        expect([...map.entries()]).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
      }),
      { numRuns: 60 },
    );
  });
});
