import { backoffDelayMs } from '../client/backoff.js';
import { isInWindow, nextWindowStart } from '../window/reboot-window.js';
import type { DaemonConfig } from './daemon-config.js';
import { type DaemonAction, type DaemonEvent, NEED_REBOOT_STATUS, type Operation } from './daemon-events.js';

/**
 * locksmithd's decisions, pure: `step(config, state, event, nowMs)` returns the next state and
 * the actions to perform. Facts come in as events; every decision is re-derived from the facts
 * and the clock, so a late answer can never lead to a reboot outside the window: the window is
 * checked at the moment the reboot is decided, not when the wait began.
 */
export interface DaemonState {
  readonly booted: boolean;
  readonly exited: boolean;
  readonly needReboot: boolean;
  /** How many times update_engine has gone into "need reboot"; one reboot per need at most. */
  readonly needs: number;
  /** run-reboot was emitted for the current need. */
  readonly rebootIssued: boolean;
  readonly rebootFailed: boolean;
  /** Whether this machine holds a slot; unknown after boot until an unlock or lock answers. */
  readonly lock: 'held' | 'free' | 'unknown';
  readonly drained: 'yes' | 'no' | 'unknown';
  /** The operation awaiting its answer; one at a time, so a lock and an unlock never race. */
  readonly inflight: Operation | 'reboot' | undefined;
  readonly failures: Readonly<Record<Operation, number>>;
  readonly retryAtMs: Readonly<Record<Operation, number>>;
}

export function initialDaemonState(): DaemonState {
  const zero = { lock: 0, unlock: 0, drain: 0, undrain: 0 };
  return {
    booted: false,
    exited: false,
    needReboot: false,
    needs: 0,
    rebootIssued: false,
    rebootFailed: false,
    lock: 'unknown',
    drained: 'unknown',
    inflight: undefined,
    failures: zero,
    retryAtMs: zero,
  };
}

export interface Step {
  readonly state: DaemonState;
  readonly actions: readonly DaemonAction[];
}

export function step(config: DaemonConfig, state: DaemonState, event: DaemonEvent, nowMs: number): Step {
  return decide(config, observe(config, state, event, nowMs), nowMs);
}

function observe(config: DaemonConfig, s: DaemonState, event: DaemonEvent, nowMs: number): DaemonState {
  switch (event.type) {
    case 'boot-completed':
      return { ...s, booted: true };
    case 'update-status': {
      const need = event.status === NEED_REBOOT_STATUS;
      if (need && !s.needReboot)
        return { ...s, needReboot: true, needs: s.needs + 1, rebootIssued: false, rebootFailed: false };
      return { ...s, needReboot: need };
    }
    case 'lock-acquired':
      return answered(s, 'lock') ? { ...succeeded(s, 'lock'), lock: 'held' } : s;
    case 'unlocked':
      return answered(s, 'unlock') ? { ...succeeded(s, 'unlock'), lock: 'free' } : s;
    case 'drained':
      return answered(s, 'drain') ? { ...succeeded(s, 'drain'), drained: 'yes' } : s;
    case 'undrained':
      return answered(s, 'undrain') ? { ...succeeded(s, 'undrain'), drained: 'no' } : s;
    case 'lock-refused':
      return answered(s, 'lock') ? failed(config, s, 'lock', nowMs) : s;
    case 'unlock-failed':
      return answered(s, 'unlock') ? failed(config, s, 'unlock', nowMs) : s;
    case 'drain-failed':
      return answered(s, 'drain') ? failed(config, s, 'drain', nowMs) : s;
    case 'undrain-failed':
      return answered(s, 'undrain') ? failed(config, s, 'undrain', nowMs) : s;
    case 'reboot-finished':
      return s.inflight === 'reboot' ? { ...s, inflight: undefined, rebootFailed: !event.ok } : s;
    case 'window-opened':
    case 'window-closed':
    case 'timer':
      return s;
  }
}

function answered(s: DaemonState, op: Operation): boolean {
  return s.inflight === op;
}

function succeeded(s: DaemonState, op: Operation): DaemonState {
  return { ...s, inflight: undefined, failures: { ...s.failures, [op]: 0 } };
}

function failed(config: DaemonConfig, s: DaemonState, op: Operation, nowMs: number): DaemonState {
  const failures = s.failures[op] + 1;
  const policy = op === 'lock' ? config.lockBackoff : config.retryBackoff;
  return {
    ...s,
    inflight: undefined,
    failures: { ...s.failures, [op]: failures },
    retryAtMs: { ...s.retryAtMs, [op]: nowMs + backoffDelayMs(policy, failures) },
  };
}

const ACTION_OF: Record<Operation, DaemonAction> = {
  lock: { type: 'try-lock' },
  unlock: { type: 'unlock' },
  drain: { type: 'drain' },
  undrain: { type: 'undrain' },
};

/** Start `op` unless its back-off is still running. */
function start(s: DaemonState, op: Operation, nowMs: number): Step {
  const untilMs = s.retryAtMs[op];
  if (nowMs < untilMs) return { state: s, actions: [{ type: 'wait-for-backoff', operation: op, untilMs }] };
  return { state: { ...s, inflight: op }, actions: [ACTION_OF[op]] };
}

function decide(config: DaemonConfig, s: DaemonState, nowMs: number): Step {
  if (s.exited) return { state: s, actions: [] };
  if (config.strategy === 'off') {
    return { state: { ...s, exited: true }, actions: [{ type: 'exit', reason: 'reboot strategy is off' }] };
  }
  if (s.inflight !== undefined || !s.booted) return { state: s, actions: [] };
  const usesLock = config.strategy === 'etcd-lock';
  if (s.needReboot && !s.rebootIssued) {
    const window = config.window;
    if (window && !isInWindow(window, nowMs)) {
      // Outside the window: give back what an earlier attempt took, then wait.
      if (config.drain && s.drained !== 'no') return start(s, 'undrain', nowMs);
      if (usesLock && s.lock !== 'free') return start(s, 'unlock', nowMs);
      return { state: s, actions: [{ type: 'wait-for-window', untilMs: nextWindowStart(window, nowMs) }] };
    }
    if (usesLock && s.lock !== 'held') return start(s, 'lock', nowMs);
    if (config.drain && s.drained !== 'yes') return start(s, 'drain', nowMs);
    return { state: { ...s, inflight: 'reboot', rebootIssued: true }, actions: [{ type: 'run-reboot' }] };
  }
  // Nothing to reboot for (or the reboot was issued and failed): undrain and give the slot back.
  if (s.rebootIssued && !s.rebootFailed) return { state: s, actions: [] };
  if (config.drain && s.drained !== 'no') return start(s, 'undrain', nowMs);
  if (usesLock && s.lock !== 'free') return start(s, 'unlock', nowMs);
  return { state: s, actions: [] };
}
