import { ConfigError } from '../config-error.js';
import { parseGoDuration } from './go-duration.js';
import { instantOfWallTime, isKnownTimeZone, wallTimeAt } from './zone-time.js';

/** How the window is given: locksmith's REBOOT_WINDOW_START/LENGTH, plus the zone it is in. */
export interface RebootWindowConfig {
  /** "HH:MM" (daily) or "<Day> HH:MM" (weekly), Day one of sun mon tue wed thu fri sat. */
  windowStart?: string | undefined;
  /** A Go duration: "1h", "1h30m". Under 24h for a daily window, under 7 days for a weekly one. */
  windowLength?: string | undefined;
  /** IANA zone the start is in ("Europe/Berlin"); locksmithd passes the host's zone. */
  timeZone: string;
}

/** A validated reboot window. Instants are ms since the epoch; the length is elapsed time. */
export interface RebootWindow {
  /** 0 = Sunday .. 6 = Saturday for a weekly window; undefined for a daily one. */
  readonly weekday: number | undefined;
  readonly hour: number;
  readonly minute: number;
  readonly lengthMs: number;
  readonly timeZone: string;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * Validates a window config; undefined when neither start nor length is set (reboot any time).
 * Throws a ConfigError naming every broken field.
 */
export function parseRebootWindow(config: RebootWindowConfig): RebootWindow | undefined {
  const { windowStart, windowLength, timeZone } = config;
  if (windowStart === undefined && windowLength === undefined) return undefined;
  if (windowStart === undefined || windowLength === undefined) {
    throw new ConfigError([
      `window-start and window-length must be set together (got ${windowStart === undefined ? 'only window-length' : 'only window-start'})`,
    ]);
  }
  const problems: string[] = [];
  const start = parseStart(windowStart);
  if (!start) {
    problems.push(
      `window-start ("${windowStart}") must be "HH:MM" or "<Day> HH:MM" with Day one of ${WEEKDAYS.join(' ')}, hour 0-23, minute 0-59`,
    );
  }
  const lengthMs = parseGoDuration(windowLength);
  if (lengthMs === undefined) {
    problems.push(`window-length ("${windowLength}") must be a duration such as 1h or 1h30m`);
  } else if (lengthMs <= 0) {
    problems.push(`window-length ("${windowLength}") must be greater than 0`);
  } else if (start) {
    const periodMs = start.weekday === undefined ? DAY_MS : 7 * DAY_MS;
    if (lengthMs >= periodMs) {
      problems.push(
        `window-length ("${windowLength}") must be less than ${start.weekday === undefined ? '24h for a daily' : '168h for a weekly'} window-start ("${windowStart}")`,
      );
    }
  }
  if (!isKnownTimeZone(timeZone)) problems.push(`time-zone ("${timeZone}") is not a known IANA time zone`);
  if (problems.length > 0 || !start || lengthMs === undefined) throw new ConfigError(problems);
  return { ...start, lengthMs, timeZone };
}

function parseStart(text: string): Pick<RebootWindow, 'weekday' | 'hour' | 'minute'> | undefined {
  const match = /^(?:([A-Za-z]{3})\s+)?(\d{1,2}):(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const weekday = match[1] === undefined ? undefined : WEEKDAYS.indexOf(match[1].toLowerCase());
  const hour = Number(match[2]);
  const minute = Number(match[3]);
  if (weekday === -1 || hour > 23 || minute > 59) return undefined;
  return { weekday, hour, minute };
}

/** Window starts within about a week either side of `nowMs`, ascending. */
function startsAround(window: RebootWindow, nowMs: number): number[] {
  const today = Math.floor(wallTimeAt(nowMs, window.timeZone) / DAY_MS) * DAY_MS;
  const starts: number[] = [];
  for (let day = -8; day <= 8; day++) {
    const midnight = today + day * DAY_MS;
    if (window.weekday !== undefined && new Date(midnight).getUTCDay() !== window.weekday) continue;
    const wall = midnight + window.hour * HOUR_MS + window.minute * MINUTE_MS;
    starts.push(instantOfWallTime(wall, window.timeZone));
  }
  return starts.sort((a, b) => a - b);
}

/** The start of the latest window that began at or before `nowMs`. */
export function previousWindowStart(window: RebootWindow, nowMs: number): number {
  const starts = startsAround(window, nowMs).filter((s) => s <= nowMs);
  const latest = starts[starts.length - 1];
  if (latest === undefined) throw new Error('no window start in the week before now');
  return latest;
}

/** The start of the first window that begins strictly after `nowMs`. */
export function nextWindowStart(window: RebootWindow, nowMs: number): number {
  const next = startsAround(window, nowMs).find((s) => s > nowMs);
  if (next === undefined) throw new Error('no window start in the week after now');
  return next;
}

export function isInWindow(window: RebootWindow, nowMs: number): boolean {
  return nowMs < previousWindowStart(window, nowMs) + window.lengthMs;
}

/** How long until the current window closes; 0 outside a window. */
export function msUntilWindowEnd(window: RebootWindow, nowMs: number): number {
  return Math.max(0, previousWindowStart(window, nowMs) + window.lengthMs - nowMs);
}

/** How long until a window is open: 0 inside one. */
export function msUntilWindowStart(window: RebootWindow, nowMs: number): number {
  return isInWindow(window, nowMs) ? 0 : nextWindowStart(window, nowMs) - nowMs;
}

/** "Thu 04:00 for 1h30m in Europe/Berlin", for logs. */
export function describeWindow(window: RebootWindow): string {
  const day = window.weekday === undefined ? 'daily' : (WEEKDAYS[window.weekday] ?? '?');
  const hh = String(window.hour).padStart(2, '0');
  const mm = String(window.minute).padStart(2, '0');
  return `${day} ${hh}:${mm} for ${window.lengthMs / MINUTE_MS}m in ${window.timeZone}`;
}
