// Nebraska-style rollout policy as a pure decision: (policy, state, request, now) -> grant or
// deny + new state. Grants are counted in a sliding window of `periodIntervalMs`: never more
// than `maxUpdatesPerPeriod` of them in any window. Safe mode lets one machine try a new version
// first and halts the rollout if that attempt fails or times out.

export interface RolloutPolicy {
  readonly updatesEnabled: boolean;
  readonly safeMode: boolean;
  readonly maxUpdatesPerPeriod: number;
  readonly periodIntervalMs: number;
  readonly officeHours: boolean;
  readonly timeZone: string;
  readonly updateTimeoutMs: number;
  /** A failed update reported by an instance halts the rollout (Nebraska's disableUpdatesOnFailedRollout). */
  readonly haltOnFailure: boolean;
}

export const defaultRolloutPolicy: RolloutPolicy = {
  updatesEnabled: true,
  safeMode: false,
  maxUpdatesPerPeriod: 999_999,
  periodIntervalMs: 60_000,
  officeHours: false,
  timeZone: 'Europe/Berlin',
  updateTimeoutMs: 60 * 60_000,
  haltOnFailure: false,
};

export interface RolloutState {
  /** The version being rolled out; the counters below belong to it. */
  readonly version: string;
  readonly paused: boolean;
  readonly halted: boolean;
  readonly haltReason: string;
  /** Grant times in the current window (pruned; at most maxUpdatesPerPeriod entries). */
  readonly grantTimesMs: readonly number[];
  /** Granted attempts not yet finished: machine id -> grant time. */
  readonly inFlight: Readonly<Record<string, number>>;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
}

export function initialRolloutState(version = ''): RolloutState {
  return {
    version,
    paused: false,
    halted: false,
    haltReason: '',
    grantTimesMs: [],
    inFlight: {},
    succeeded: 0,
    failed: 0,
    timedOut: 0,
  };
}

export type DenyReason =
  | 'up-to-date'
  | 'updates-disabled'
  | 'paused'
  | 'rollout-halted'
  | 'outside-office-hours'
  | 'safe-mode-waiting'
  | 'max-updates-per-period';

export type RolloutDecision =
  | { readonly grant: true; readonly regrant: boolean }
  | { readonly grant: false; readonly reason: DenyReason };

export interface UpdateRequest {
  readonly machineId: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
}

export interface DecisionResult {
  readonly decision: RolloutDecision;
  readonly state: RolloutState;
}

/** Resets the counters when the target version changes; grant times stay (the period is the group's). */
export function forVersion(state: RolloutState, version: string): RolloutState {
  if (state.version === version) return state;
  return { ...initialRolloutState(version), paused: state.paused, grantTimesMs: state.grantTimesMs };
}

/** Moves in-flight attempts older than the timeout to timed out; in safe mode (or haltOnFailure) that halts. */
export function expireAttempts(policy: RolloutPolicy, state: RolloutState, nowMs: number): RolloutState {
  const inFlight: Record<string, number> = {};
  let expired = 0;
  for (const [machine, at] of Object.entries(state.inFlight)) {
    if (nowMs - at >= policy.updateTimeoutMs) expired++;
    else inFlight[machine] = at;
  }
  if (expired === 0) return state;
  const halts = !state.halted && (policy.haltOnFailure || (policy.safeMode && state.succeeded === 0));
  return {
    ...state,
    inFlight,
    timedOut: state.timedOut + expired,
    ...(halts ? { halted: true, haltReason: `update to ${state.version} timed out` } : {}),
  };
}

export function withinOfficeHours(nowMs: number, timeZone: string): boolean {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(new Date(nowMs));
  const weekday = parts.find((p) => p.type === 'weekday')?.value ?? '';
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? '-1');
  return !['Sat', 'Sun'].includes(weekday) && hour >= 9 && hour < 17;
}

export function decideUpdate(
  policy: RolloutPolicy,
  prior: RolloutState,
  req: UpdateRequest,
  nowMs: number,
): DecisionResult {
  let state = expireAttempts(policy, forVersion(prior, req.targetVersion), nowMs);
  const deny = (reason: DenyReason): DecisionResult => ({ decision: { grant: false, reason }, state });
  if (req.currentVersion === req.targetVersion) return deny('up-to-date');
  // an instance asking again for the attempt it was granted gets it again, uncounted
  if (state.inFlight[req.machineId] !== undefined && !state.halted) {
    return { decision: { grant: true, regrant: true }, state };
  }
  if (!policy.updatesEnabled) return deny('updates-disabled');
  if (state.paused) return deny('paused');
  if (state.halted) return deny('rollout-halted');
  if (policy.officeHours && !withinOfficeHours(nowMs, policy.timeZone)) return deny('outside-office-hours');
  if (
    policy.safeMode &&
    state.succeeded === 0 &&
    (Object.keys(state.inFlight).length > 0 || state.failed + state.timedOut > 0)
  ) {
    return deny('safe-mode-waiting');
  }
  const windowStart = nowMs - policy.periodIntervalMs;
  const recent = state.grantTimesMs.filter((t) => t > windowStart);
  state = { ...state, grantTimesMs: recent };
  if (recent.length >= policy.maxUpdatesPerPeriod) return deny('max-updates-per-period');
  state = {
    ...state,
    grantTimesMs: [...recent, nowMs],
    inFlight: { ...state.inFlight, [req.machineId]: nowMs },
  };
  return { decision: { grant: true, regrant: false }, state };
}

export type AttemptOutcome = { readonly kind: 'complete' } | { readonly kind: 'failed'; readonly errorCode: number };

/** An instance reported the end of its attempt at `version`. */
export function recordAttemptOutcome(
  policy: RolloutPolicy,
  prior: RolloutState,
  machineId: string,
  version: string,
  outcome: AttemptOutcome,
): RolloutState {
  if (prior.version !== version) return prior;
  const { [machineId]: _attempt, ...inFlight } = prior.inFlight;
  if (outcome.kind === 'complete') return { ...prior, inFlight, succeeded: prior.succeeded + 1 };
  // a failure halts whether or not the attempt was still counted in flight (a rollback report
  // arrives after the attempt's own error); it is counted once, while in flight
  const wasInFlight = prior.inFlight[machineId] !== undefined;
  const halts = !prior.halted && (policy.haltOnFailure || (policy.safeMode && prior.succeeded === 0));
  return {
    ...prior,
    inFlight,
    failed: prior.failed + (wasInFlight ? 1 : 0),
    ...(halts
      ? {
          halted: true,
          haltReason: `instance ${machineId} failed to update to ${version} (error ${outcome.errorCode})`,
        }
      : {}),
  };
}

/** Admin pause/resume; resume also lifts a halt and forgets failures (safe mode tries one machine again). */
export function setPaused(state: RolloutState, paused: boolean): RolloutState {
  if (paused) return { ...state, paused: true };
  return { ...state, paused: false, halted: false, haltReason: '', failed: 0, timedOut: 0 };
}

export function validateRolloutPolicy(p: RolloutPolicy): string[] {
  const errors: string[] = [];
  if (!(Number.isInteger(p.maxUpdatesPerPeriod) && p.maxUpdatesPerPeriod > 0)) {
    errors.push(`max-updates-per-period (${p.maxUpdatesPerPeriod}) must be a positive integer`);
  }
  if (!(p.periodIntervalMs >= 1000)) errors.push(`period-interval (${p.periodIntervalMs}ms) must be at least 1s`);
  if (!(p.updateTimeoutMs >= 1000)) errors.push(`update-timeout (${p.updateTimeoutMs}ms) must be at least 1s`);
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: p.timeZone });
  } catch {
    errors.push(`time-zone (${JSON.stringify(p.timeZone)}) is not a known IANA time zone`);
  }
  return errors;
}
