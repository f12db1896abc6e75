// When the next scheduled update check happens: update_engine's interval with fuzz, doubled on
// server errors (5xx) and network errors, capped. Pure: randomness comes in as a number in [0, 1).

export interface CheckScheduleConfig {
  readonly intervalMs: number;
  /** Total fuzz range: the delay is interval +- fuzzMs / 2. */
  readonly fuzzMs: number;
  readonly backoffMaxMs: number;
}

export const defaultCheckScheduleConfig: CheckScheduleConfig = {
  intervalMs: 45 * 60_000,
  fuzzMs: 10 * 60_000,
  backoffMaxMs: 4 * 60 * 60_000,
};

export interface CheckScheduleState {
  /** Consecutive failed checks (5xx or network error). */
  readonly failures: number;
  /** Server-provided poll interval, replacing the configured one while set. */
  readonly pollIntervalMs?: number;
}

export type CheckOutcome =
  | { readonly kind: 'ok'; readonly pollIntervalMs?: number }
  | { readonly kind: 'server-error' }
  | { readonly kind: 'network-error' }
  | { readonly kind: 'client-error' };

export function recordCheckOutcome(state: CheckScheduleState, outcome: CheckOutcome): CheckScheduleState {
  switch (outcome.kind) {
    case 'ok':
      return outcome.pollIntervalMs === undefined
        ? { failures: 0 }
        : { failures: 0, pollIntervalMs: outcome.pollIntervalMs };
    case 'server-error':
    case 'network-error':
      return { ...state, failures: state.failures + 1 };
    case 'client-error':
      return { ...state, failures: 0 };
  }
}

/** Delay until the next check, in ms; `random` in [0, 1). Never below 1 s (no busy loop). */
export function nextCheckDelayMs(config: CheckScheduleConfig, state: CheckScheduleState, random: number): number {
  const base = state.pollIntervalMs ?? config.intervalMs;
  const backedOff =
    state.failures === 0 ? base : Math.min(config.backoffMaxMs, base * 2 ** Math.min(state.failures, 30));
  const fuzzed = backedOff + (random - 0.5) * config.fuzzMs;
  const cap = state.failures === 0 ? Number.POSITIVE_INFINITY : config.backoffMaxMs + config.fuzzMs / 2;
  return Math.max(1000, Math.round(Math.min(fuzzed, cap)));
}

export function validateCheckScheduleConfig(c: CheckScheduleConfig): string[] {
  const errors: string[] = [];
  if (!(c.intervalMs >= 1000)) errors.push(`check-interval (${c.intervalMs}ms) must be at least 1s`);
  if (!(c.fuzzMs >= 0 && c.fuzzMs <= c.intervalMs)) {
    errors.push(`check-fuzz (${c.fuzzMs}ms) must be between 0 and check-interval (${c.intervalMs}ms)`);
  }
  if (!(c.backoffMaxMs >= c.intervalMs)) {
    errors.push(`check-backoff-max (${c.backoffMaxMs}ms) must be at least check-interval (${c.intervalMs}ms)`);
  }
  return errors;
}
