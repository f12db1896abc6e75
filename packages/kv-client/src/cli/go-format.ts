/**
 * Formatting the way etcdctl (Go) prints: JSON with raw 64-bit integers and base64 bytes,
 * humanize.Bytes sizes, time.Duration strings, %016x ids, tablewriter tables.
 */

const BIGINT_MARK = '\u0000bigint:';

/** JSON.stringify that writes bigints as bare numbers (Go prints int64/uint64 unquoted). */
export function goJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${BIGINT_MARK}${v}` : v));
  return text.replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

/** Drops fields Go's `omitempty` would drop: 0, 0n, false, '', empty arrays, undefined. */
export function omitEmpty(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || value === 0 || value === 0n || value === false || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out;
}

export function base64(bytes: Buffer): string {
  return bytes.toString('base64');
}

/** `%016x` of a uint64/int64 id. */
export function hexId(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16).padStart(16, '0');
}

/** `%16x`: space padded, as etcdctl prints cluster ids. */
export function hexIdSpaced(id: bigint): string {
  return BigInt.asUintN(64, id).toString(16).padStart(16, ' ');
}

/** Go's %.Nf rounds halves to even (exact binary halves only); JS toFixed rounds them up. */
function goFixed(value: number, digits: number): string {
  const scale = 10 ** digits;
  const scaled = value * scale;
  const floor = Math.floor(scaled);
  const diff = scaled - floor;
  let rounded: number;
  if (diff === 0.5) rounded = floor % 2 === 0 ? floor : floor + 1;
  else rounded = Math.round(scaled);
  return (rounded / scale).toFixed(digits);
}

/** github.com/dustin/go-humanize Bytes(): SI units, "20 kB", "1.5 MB". */
export function humanizeBytes(size: bigint | number): string {
  const s = Number(size);
  if (s < 10) return `${s} B`;
  const sizes = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  const e = Math.floor(Math.log(s) / Math.log(1000));
  const suffix = sizes[e] ?? 'EB';
  const val = Math.floor((s / 1000 ** e) * 10 + 0.5) / 10;
  return `${val < 10 ? goFixed(val, 1) : goFixed(val, 0)} ${suffix}`;
}

/** Go's time.Duration.String() for a duration in nanoseconds. */
export function goDuration(nanoseconds: bigint): string {
  const ns = Number(nanoseconds);
  if (ns === 0) return '0s';
  if (ns < 1_000) return `${ns}ns`;
  const trim = (n: number, unit: string, decimals: number) => `${n.toFixed(decimals).replace(/\.?0+$/, '')}${unit}`;
  if (ns < 1_000_000) return trim(ns / 1_000, 'µs', 3);
  if (ns < 1_000_000_000) return trim(ns / 1_000_000, 'ms', 6);
  const totalSeconds = ns / 1_000_000_000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const secondsText = trim(seconds, 's', 9);
  if (hours > 0) return `${hours}h${minutes}m${secondsText}`;
  if (minutes > 0) return `${minutes}m${secondsText}`;
  return secondsText;
}

/** A table as etcdctl draws it (olekukonko/tablewriter, right-aligned cells, centred headers). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const centre = (text: string, width: number) => {
    const gap = width - text.length;
    const left = Math.floor(gap / 2);
    return `${' '.repeat(left)}${text}${' '.repeat(gap - left)}`;
  };
  const line = (cells: string[], pad: (text: string, width: number) => string) =>
    `| ${cells.map((c, i) => pad(c, widths[i] ?? 0)).join(' | ')} |`;
  const out = [rule, line(headers, centre), rule];
  for (const row of rows) out.push(line(row, (text, width) => text.padStart(width)));
  out.push(rule);
  return `${out.join('\n')}\n`;
}
