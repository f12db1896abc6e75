/**
 * Which holders are stale: a holder whose liveness key has been absent for longer than the
 * stale-lock TTL. Pure: the caller observes holders and their liveness at `nowMs` and keeps the
 * returned tracker for the next observation.
 */
export interface StaleTracker {
  /** holder id -> when its liveness key was first seen absent (ms since the epoch). */
  readonly absentSinceMs: ReadonlyMap<string, number>;
}

export const EMPTY_STALE_TRACKER: StaleTracker = { absentSinceMs: new Map() };

export interface StaleObservation {
  readonly tracker: StaleTracker;
  /** Holders absent for longer than the TTL, with how long. */
  readonly stale: readonly { id: string; absentForMs: number }[];
}

export function observeLiveness(
  tracker: StaleTracker,
  nowMs: number,
  holders: readonly string[],
  isLive: (id: string) => boolean,
  staleLockTtlMs: number,
): StaleObservation {
  // Only current holders are tracked, so the map is bounded by the semaphore's holders.
  const absentSinceMs = new Map<string, number>();
  const stale: { id: string; absentForMs: number }[] = [];
  for (const id of holders) {
    if (isLive(id)) continue;
    const since = Math.min(tracker.absentSinceMs.get(id) ?? nowMs, nowMs);
    absentSinceMs.set(id, since);
    const absentForMs = nowMs - since;
    if (absentForMs > staleLockTtlMs) stale.push({ id, absentForMs });
  }
  return { tracker: { absentSinceMs }, stale };
}
