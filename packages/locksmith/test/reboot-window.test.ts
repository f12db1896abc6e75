import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import { parseGoDuration } from '../src/window/go-duration.js';
import {
  isInWindow,
  msUntilWindowEnd,
  msUntilWindowStart,
  nextWindowStart,
  parseRebootWindow,
  previousWindowStart,
  type RebootWindow,
} from '../src/window/reboot-window.js';
import { instantOfWallTime, wallTimeAt } from '../src/window/zone-time.js';

const at = (iso: string) => Date.parse(iso);
const win = (windowStart: string, windowLength: string, timeZone = 'UTC') => {
  const w = parseRebootWindow({ windowStart, windowLength, timeZone });
  if (!w) throw new Error('expected a window');
  return w;
};

describe('Go durations', () => {
  it.each([
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['90m', 5_400_000],
    ['1.5h', 5_400_000],
    ['0', 0],
    ['10s', 10_000],
    ['250ms', 250],
    ['-1h', -3_600_000],
  ])('%s', (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(['', '1', 'h', '1d', '1h 30m', 'abc'])('refuses %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

describe('window config', () => {
  it('no start and no length: no window', () => {
    expect(parseRebootWindow({ timeZone: 'UTC' })).toBeUndefined();
  });

  it('parses daily and weekly starts, case-insensitive days', () => {
    expect(win('04:00', '1h')).toEqual({
      weekday: undefined,
      hour: 4,
      minute: 0,
      lengthMs: 3_600_000,
      timeZone: 'UTC',
    });
    expect(win('THU 23:05', '1h30m', 'Europe/Berlin')).toMatchObject({ weekday: 4, hour: 23, minute: 5 });
    expect(win('sun 4:5', '10m')).toMatchObject({ weekday: 0, hour: 4, minute: 5 });
  });

  it.each<[Partial<{ windowStart: string; windowLength: string; timeZone: string }>, RegExp[]]>([
    [{ windowStart: '04:00' }, [/window-start and window-length must be set together \(got only window-start\)/]],
    [{ windowLength: '1h' }, [/got only window-length/]],
    [{ windowStart: 'Thx 04:00', windowLength: '1h' }, [/window-start \("Thx 04:00"\) must be/]],
    [{ windowStart: '24:00', windowLength: '1h' }, [/window-start \("24:00"\)/]],
    [{ windowStart: '04:60', windowLength: '1h' }, [/window-start/]],
    [{ windowStart: '04:00', windowLength: 'soon' }, [/window-length \("soon"\) must be a duration/]],
    [{ windowStart: '04:00', windowLength: '0' }, [/window-length \("0"\) must be greater than 0/]],
    [{ windowStart: '04:00', windowLength: '24h' }, [/less than 24h for a daily window-start \("04:00"\)/]],
    [{ windowStart: 'Mon 04:00', windowLength: '168h' }, [/less than 168h for a weekly/]],
    [
      { windowStart: 'Xyz 1', windowLength: 'x', timeZone: 'Mars/Olympus' },
      [/window-start/, /window-length/, /time-zone \("Mars\/Olympus"\) is not a known IANA time zone/],
    ],
  ])('%j is refused naming the field', (config, messages) => {
    let error: unknown;
    try {
      parseRebootWindow({ timeZone: 'UTC', ...config });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(messages.length);
    messages.forEach((m, i) => {
      expect((error as ConfigError).problems[i]).toMatch(m);
    });
  });

  it('a weekly window may be longer than a day', () => {
    expect(win('Sat 22:00', '30h').lengthMs).toBe(30 * 3_600_000);
  });
});

describe('windows in time', () => {
  it('daily window', () => {
    const w = win('14:00', '1h');
    expect(isInWindow(w, at('2026-03-10T13:59:59.999Z'))).toBe(false);
    expect(isInWindow(w, at('2026-03-10T14:00:00Z'))).toBe(true);
    expect(isInWindow(w, at('2026-03-10T14:59:59.999Z'))).toBe(true);
    expect(isInWindow(w, at('2026-03-10T15:00:00Z'))).toBe(false);
    expect(nextWindowStart(w, at('2026-03-10T15:00:00Z'))).toBe(at('2026-03-11T14:00:00Z'));
    expect(nextWindowStart(w, at('2026-03-10T14:30:00Z'))).toBe(at('2026-03-11T14:00:00Z'));
    expect(msUntilWindowEnd(w, at('2026-03-10T14:30:00Z'))).toBe(30 * 60_000);
    expect(msUntilWindowEnd(w, at('2026-03-10T16:00:00Z'))).toBe(0);
    expect(msUntilWindowStart(w, at('2026-03-10T13:00:00Z'))).toBe(3_600_000);
  });

  it('a window crossing midnight', () => {
    const w = win('23:00', '2h');
    expect(isInWindow(w, at('2026-03-11T00:30:00Z'))).toBe(true);
    expect(previousWindowStart(w, at('2026-03-11T00:30:00Z'))).toBe(at('2026-03-10T23:00:00Z'));
    expect(isInWindow(w, at('2026-03-11T01:00:00Z'))).toBe(false);
  });

  it("the README's weekly example: Thu 23:00 for 1h30m ends Fri 00:30", () => {
    const w = win('Thu 23:00', '1h30m');
    // 2026-03-12 is a Thursday
    expect(isInWindow(w, at('2026-03-12T22:59:00Z'))).toBe(false);
    expect(isInWindow(w, at('2026-03-13T00:29:00Z'))).toBe(true);
    expect(isInWindow(w, at('2026-03-13T00:30:00Z'))).toBe(false);
    expect(nextWindowStart(w, at('2026-03-13T00:30:00Z'))).toBe(at('2026-03-19T23:00:00Z'));
  });

  it('a weekly window crossing the week end (Sat into Sun)', () => {
    const w = win('Sat 23:30', '1h');
    // 2026-03-14 is a Saturday
    expect(isInWindow(w, at('2026-03-15T00:10:00Z'))).toBe(true);
    expect(nextWindowStart(w, at('2026-03-15T00:40:00Z'))).toBe(at('2026-03-21T23:30:00Z'));
  });

  it('in a zone: 04:00 Berlin is 03:00Z in winter and 02:00Z in summer', () => {
    const w = win('04:00', '1h', 'Europe/Berlin');
    expect(nextWindowStart(w, at('2026-01-15T00:00:00Z'))).toBe(at('2026-01-15T03:00:00Z'));
    expect(nextWindowStart(w, at('2026-07-15T00:00:00Z'))).toBe(at('2026-07-15T02:00:00Z'));
  });

  it('a start that does not exist (spring forward) opens when the clocks have jumped, shifted by the gap', () => {
    // Berlin, 2026-03-29: 02:00 CET -> 03:00 CEST. 02:30 does not exist; 03:30 CEST = 01:30Z.
    const w = win('02:30', '1h', 'Europe/Berlin');
    expect(nextWindowStart(w, at('2026-03-28T12:00:00Z'))).toBe(at('2026-03-29T01:30:00Z'));
    expect(nextWindowStart(w, at('2026-03-29T12:00:00Z'))).toBe(at('2026-03-30T00:30:00Z'));
  });

  it('a start that occurs twice (fall back) opens at the first occurrence, once', () => {
    // Berlin, 2026-10-25: 03:00 CEST -> 02:00 CET. 02:30 occurs at 00:30Z and 01:30Z.
    const w = win('02:30', '1h', 'Europe/Berlin');
    expect(nextWindowStart(w, at('2026-10-24T12:00:00Z'))).toBe(at('2026-10-25T00:30:00Z'));
    expect(isInWindow(w, at('2026-10-25T01:29:00Z'))).toBe(true);
    // the window is an hour of elapsed time: the second 02:30 is not a second window
    expect(isInWindow(w, at('2026-10-25T01:31:00Z'))).toBe(false);
    expect(nextWindowStart(w, at('2026-10-25T00:31:00Z'))).toBe(at('2026-10-26T01:30:00Z'));
  });

  it('instantOfWallTime inverts wallTimeAt outside transitions', () => {
    fc.assert(
      fc.property(fc.integer({ min: at('2000-01-01T00:00:00Z'), max: at('2040-01-01T00:00:00Z') }), zone, (t, tz) => {
        const wall = wallTimeAt(t, tz);
        const back = instantOfWallTime(wall, tz);
        // equal, or the later twin of a repeated wall time
        expect(back === t || (back < t && wallTimeAt(back, tz) === wall)).toBe(true);
      }),
    );
  });
});

const zone = fc.constantFrom(
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/Santiago',
  'Asia/Kathmandu',
);

const windowArb: fc.Arbitrary<RebootWindow> = fc
  .record({
    weekday: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    lengthMinutes: fc.integer({ min: 1, max: 22 * 60 }),
    timeZone: zone,
  })
  .map(({ lengthMinutes, ...rest }) => ({ ...rest, lengthMs: lengthMinutes * 60_000 }));

const instant = fc.integer({ min: at('2020-01-01T00:00:00Z'), max: at('2035-01-01T00:00:00Z') });

describe('window properties', () => {
  it('outside a window: nothing opens before nextWindowStart, and it is open then', () => {
    fc.assert(
      fc.property(windowArb, instant, fc.double({ min: 0, max: 1, noNaN: true }), (w, now, fraction) => {
        if (isInWindow(w, now)) return;
        const next = nextWindowStart(w, now);
        expect(next).toBeGreaterThan(now);
        expect(isInWindow(w, next)).toBe(true);
        expect(isInWindow(w, next - 1)).toBe(false);
        const between = now + Math.floor((next - now) * fraction * 0.999);
        expect(isInWindow(w, between)).toBe(false);
        expect(msUntilWindowStart(w, now)).toBe(next - now);
        expect(msUntilWindowEnd(w, now)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('inside a window: open until msUntilWindowEnd, closed right after', () => {
    fc.assert(
      fc.property(windowArb, instant, (w, t) => {
        // move t into the window that opened most recently
        const now = previousWindowStart(w, t) + (((t % w.lengthMs) + w.lengthMs) % w.lengthMs);
        expect(isInWindow(w, now)).toBe(true);
        const left = msUntilWindowEnd(w, now);
        expect(left).toBeGreaterThan(0);
        expect(left).toBeLessThanOrEqual(w.lengthMs);
        expect(isInWindow(w, now + left - 1)).toBe(true);
        expect(isInWindow(w, now + left)).toBe(false);
        expect(msUntilWindowStart(w, now)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a window opens at its wall-clock start (unless that time was skipped) on its weekday', () => {
    fc.assert(
      fc.property(windowArb, instant, (w, now) => {
        const start = nextWindowStart(w, now);
        const wall = new Date(wallTimeAt(start, w.timeZone));
        const asMinutes = wall.getUTCHours() * 60 + wall.getUTCMinutes();
        const wanted = w.hour * 60 + w.minute;
        // equal, or moved forward across a DST gap (at most an hour, Lord Howe: 30 minutes)
        expect(asMinutes - wanted >= 0 && asMinutes - wanted <= 60).toBe(true);
        if (w.weekday !== undefined) expect(wall.getUTCDay()).toBe(w.weekday);
      }),
      { numRuns: 300 },
    );
  });
});
