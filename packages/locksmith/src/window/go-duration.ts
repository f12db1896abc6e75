const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go's time.ParseDuration, as locksmith reads REBOOT_WINDOW_LENGTH: "1h30m", "90m", "1.5h",
 * "0". Returns milliseconds (rounded), or undefined when the text is not a duration.
 */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([-+]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(text);
  if (!match) return undefined;
  const sign = match[1] === '-' ? -1 : 1;
  if (match[2] === '0') return 0;
  let total = 0;
  for (const part of (match[2] ?? '').matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * (UNIT_MS[part[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? sign * Math.round(total) : undefined;
}
