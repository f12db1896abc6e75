/** Exponential back-off, capped: initialMs, 2x, 4x, ... up to maxMs. */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The delay before retry number `attempt` (1-based). */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
}

/** A delay in [delay/2, delay], so racing writers spread out; `random` returns [0, 1). */
export function withJitter(delayMs: number, random: () => number): number {
  return Math.round(delayMs / 2 + (delayMs / 2) * random());
}
