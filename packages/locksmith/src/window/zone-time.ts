/**
 * Wall-clock arithmetic in an IANA time zone with nothing but Intl.DateTimeFormat. A "wall" time
 * is the local date and time encoded as if it were UTC milliseconds (Date.UTC of the fields).
 */

const FORMATTERS_MAX = 64;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= FORMATTERS_MAX) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows `timeZone` (an IANA name such as "Europe/Berlin", or "UTC"). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall time at `instantMs` in `timeZone`. */
export function wallTimeAt(instantMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const seconds = Date.UTC(
    fields.year ?? 1970,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
  return seconds + (((instantMs % 1000) + 1000) % 1000);
}

/** The zone's offset from UTC at `instantMs` (wall minus instant), in ms. */
export function offsetAt(instantMs: number, timeZone: string): number {
  return wallTimeAt(instantMs, timeZone) - instantMs;
}

const DAY_MS = 86_400_000;

/**
 * The instant a wall time names in `timeZone`, disambiguated as Temporal's "compatible" mode:
 * a time that occurs twice (clocks set back) is its earlier occurrence; a time that does not
 * occur (clocks set forward) is moved forward by the length of the gap (02:30 -> 03:30).
 */
export function instantOfWallTime(wallMs: number, timeZone: string): number {
  const before = offsetAt(wallMs - DAY_MS, timeZone);
  const offsets = new Set([before, offsetAt(wallMs, timeZone), offsetAt(wallMs + DAY_MS, timeZone)]);
  let earliest: number | undefined;
  for (const offset of offsets) {
    const instant = wallMs - offset;
    if (offsetAt(instant, timeZone) === offset && (earliest === undefined || instant < earliest)) earliest = instant;
  }
  return earliest ?? wallMs - before;
}
