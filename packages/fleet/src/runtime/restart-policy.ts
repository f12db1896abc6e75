/** systemd's Restart= (the subset fleet units use) and the capped back-off between restarts. */
export type RestartPolicy = 'no' | 'on-failure' | 'always';

export const RESTART_POLICIES: readonly RestartPolicy[] = ['no', 'on-failure', 'always'];

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
}

/** Whether a main process that ended like `exit` is started again. */
export function shouldRestart(policy: RestartPolicy, exit: ExitInfo): boolean {
  if (policy === 'always') return true;
  if (policy === 'no') return false;
  return exit.code !== 0 || exit.signal !== null;
}

/**
 * Delay before restart number `attempt` (1-based): RestartSec doubled per consecutive failure,
 * never more than `capMs`. A zero RestartSec still waits `floorMs`, so a crash loop can't spin.
 */
export function restartDelayMs(restartSecMs: number, attempt: number, capMs: number, floorMs = 100): number {
  const base = Math.max(restartSecMs, floorMs);
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(base * 2 ** exponent, Math.max(capMs, base));
}

/** Parses a systemd time span (`5`, `500ms`, `2s`, `1min`, `1min 30s`) to milliseconds. */
export function parseTimeSpanMs(value: string): number | undefined {
  const units: Record<string, number> = {
    '': 1000,
    us: 0.001,
    ms: 1,
    s: 1000,
    sec: 1000,
    second: 1000,
    seconds: 1000,
    m: 60_000,
    min: 60_000,
    minute: 60_000,
    minutes: 60_000,
    h: 3_600_000,
    hr: 3_600_000,
    hour: 3_600_000,
    hours: 3_600_000,
  };
  const text = value.trim();
  if (text === '' || text === 'infinity') return text === 'infinity' ? Number.POSITIVE_INFINITY : undefined;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)\s*([a-z]*)\s*/gy;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const scale = units[m[2] ?? ''];
    if (scale === undefined) return undefined;
    total += Number(m[1]) * scale;
    consumed = re.lastIndex;
  }
  return consumed === text.length ? Math.round(total) : undefined;
}
