import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Histogram } from '../src/load/histogram.js';

/** The naive model: the exact quantile of the sorted values (nearest rank). */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

describe('Histogram', () => {
  it('agrees with the sorted values within 2% at every quantile', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50_000_000 }), { minLength: 1, maxLength: 400 }), (values) => {
        const h = new Histogram();
        for (const v of values) h.record(v);
        const sorted = [...values].sort((a, b) => a - b);
        for (const q of [0.5, 0.9, 0.99, 1]) {
          const exact = exactQuantile(sorted, q);
          expect(Math.abs(h.quantileUs(q) - exact)).toBeLessThanOrEqual(exact * 0.02 + 1);
        }
        expect(h.summary().maxMs).toBe(sorted.at(-1)! / 1000);
      }),
    );
  });

  it('merges snapshots as if the values had been recorded in one histogram', () => {
    const [a, b, both] = [new Histogram(), new Histogram(), new Histogram()];
    for (let i = 1; i <= 1_000; i++) {
      (i % 3 === 0 ? a : b).record(i * 37);
      both.record(i * 37);
    }
    const merged = new Histogram();
    merged.merge(a.snapshot());
    merged.merge(b.snapshot());
    expect(merged.summary()).toEqual(both.summary());
  });
});
