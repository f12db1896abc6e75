import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CheckScheduleConfig,
  defaultCheckScheduleConfig,
  nextCheckDelayMs,
  recordCheckOutcome,
  validateCheckScheduleConfig,
} from '../src/core/check-schedule.js';

const config: CheckScheduleConfig = { intervalMs: 60_000, fuzzMs: 10_000, backoffMaxMs: 600_000 };

describe('check schedule', () => {
  it('stays within interval +- fuzz/2 when healthy', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.999999, noNaN: true }), (r) => {
        const d = nextCheckDelayMs(config, { failures: 0 }, r);
        expect(d).toBeGreaterThanOrEqual(55_000);
        expect(d).toBeLessThanOrEqual(65_000);
      }),
    );
  });

  it('doubles on server and network errors, capped, and resets on success', () => {
    let s = { failures: 0 };
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      s = recordCheckOutcome(s, i % 2 ? { kind: 'server-error' } : { kind: 'network-error' });
      delays.push(nextCheckDelayMs(config, s, 0.5));
    }
    expect(delays.slice(0, 4)).toEqual([120_000, 240_000, 480_000, 600_000]);
    expect(Math.max(...delays)).toBe(600_000);
    s = recordCheckOutcome(s, { kind: 'ok' });
    expect(nextCheckDelayMs(config, s, 0.5)).toBe(60_000);
  });

  it('never schedules faster than 1s nor above the cap + fuzz (no busy loop)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (failures, r) => {
        const d = nextCheckDelayMs(config, { failures }, r);
        expect(d).toBeGreaterThanOrEqual(1000);
        if (failures > 0) expect(d).toBeLessThanOrEqual(605_000);
      }),
    );
  });

  it('honours a server poll interval', () => {
    const s = recordCheckOutcome({ failures: 3 }, { kind: 'ok', pollIntervalMs: 5000 });
    expect(nextCheckDelayMs({ ...config, fuzzMs: 0 }, s, 0.3)).toBe(5000);
  });

  it('validates with messages naming the field', () => {
    expect(validateCheckScheduleConfig(defaultCheckScheduleConfig)).toEqual([]);
    expect(validateCheckScheduleConfig({ intervalMs: 10, fuzzMs: 0, backoffMaxMs: 10 })[0]).toMatch(/check-interval/);
  });
});
