import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideUpdate,
  defaultRolloutPolicy,
  initialRolloutState,
  type RolloutPolicy,
  type RolloutState,
  recordAttemptOutcome,
  setPaused,
  validateRolloutPolicy,
  withinOfficeHours,
} from '../src/core/rollout-policy.js';

const policy: RolloutPolicy = { ...defaultRolloutPolicy, maxUpdatesPerPeriod: 2, periodIntervalMs: 60_000 };
const machines = ['m0', 'm1', 'm2', 'm3', 'm4'];

type Step =
  | { kind: 'check'; machine: number; dtMs: number }
  | { kind: 'complete'; machine: number; dtMs: number }
  | { kind: 'fail'; machine: number; dtMs: number };

const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('check' as const, 'check' as const, 'complete' as const, 'fail' as const),
  machine: fc.nat(4),
  dtMs: fc.nat(40_000),
});

function simulate(p: RolloutPolicy, steps: Step[]) {
  let state: RolloutState = initialRolloutState('2.0.0');
  let now = 1_700_000_000_000;
  const grants: Array<{ at: number; machine: string; regrant: boolean }> = [];
  const inFlightCounts: Array<{ inFlight: number; succeeded: number }> = [];
  for (const step of steps) {
    now += step.dtMs;
    const machine = machines[step.machine]!;
    if (step.kind === 'check') {
      const r = decideUpdate(p, state, { machineId: machine, currentVersion: '1.0.0', targetVersion: '2.0.0' }, now);
      state = r.state;
      if (r.decision.grant) grants.push({ at: now, machine, regrant: r.decision.regrant });
    } else if (state.inFlight[machine] !== undefined) {
      state = recordAttemptOutcome(
        p,
        state,
        machine,
        '2.0.0',
        step.kind === 'complete' ? { kind: 'complete' } : { kind: 'failed', errorCode: 1 },
      );
    }
    inFlightCounts.push({ inFlight: Object.keys(state.inFlight).length, succeeded: state.succeeded });
  }
  return { state, grants, inFlightCounts };
}

describe('rollout policy', () => {
  it('5 instances, max 2 per period: never more than 2 new grants in any period window', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 200 }), (steps) => {
        const { grants } = simulate(policy, steps);
        const fresh = grants.filter((g) => !g.regrant).map((g) => g.at);
        for (const t of fresh) {
          const inWindow = fresh.filter((u) => u > t - policy.periodIntervalMs && u <= t).length;
          expect(inWindow).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('grants again to an instance already in flight without counting it', () => {
    let s = initialRolloutState('2.0.0');
    const ask = (m: string, now: number) => {
      const r = decideUpdate(policy, s, { machineId: m, currentVersion: '1', targetVersion: '2.0.0' }, now);
      s = r.state;
      return r.decision;
    };
    expect(ask('a', 0)).toEqual({ grant: true, regrant: false });
    expect(ask('a', 1)).toEqual({ grant: true, regrant: true });
    expect(ask('b', 2)).toEqual({ grant: true, regrant: false });
    expect(ask('c', 3)).toEqual({ grant: false, reason: 'max-updates-per-period' });
    expect(ask('c', 60_001)).toEqual({ grant: true, regrant: false });
    expect(
      decideUpdate(policy, s, { machineId: 'd', currentVersion: '2.0.0', targetVersion: '2.0.0' }, 0).decision,
    ).toEqual({
      grant: false,
      reason: 'up-to-date',
    });
  });

  it('safe mode: one machine first, never two in flight before a success; a failure halts', () => {
    const safe = { ...policy, safeMode: true, maxUpdatesPerPeriod: 5 };
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 100 }), (steps) => {
        const { state, inFlightCounts } = simulate(safe, steps);
        for (const c of inFlightCounts) if (c.succeeded === 0) expect(c.inFlight).toBeLessThanOrEqual(1);
        if (state.failed > 0 && state.succeeded === 0) expect(state.halted).toBe(true);
      }),
    );
    let s = initialRolloutState('2.0.0');
    const ask = (m: string, now: number) => {
      const r = decideUpdate(safe, s, { machineId: m, currentVersion: '1', targetVersion: '2.0.0' }, now);
      s = r.state;
      return r.decision;
    };
    expect(ask('a', 0).grant).toBe(true);
    expect(ask('b', 1)).toEqual({ grant: false, reason: 'safe-mode-waiting' });
    s = recordAttemptOutcome(safe, s, 'a', '2.0.0', { kind: 'failed', errorCode: 44 });
    expect(s.halted).toBe(true);
    expect(ask('b', 2)).toEqual({ grant: false, reason: 'rollout-halted' });
    s = setPaused(s, false); // resume lifts the halt: one machine may try again
    expect(ask('b', 3)).toEqual({ grant: true, regrant: false });
    expect(ask('c', 4)).toEqual({ grant: false, reason: 'safe-mode-waiting' });
  });

  it('safe mode: a timed-out first attempt halts; a success opens the rollout', () => {
    const safe = { ...policy, safeMode: true, maxUpdatesPerPeriod: 5, updateTimeoutMs: 10_000 };
    let s = decideUpdate(
      safe,
      initialRolloutState('2.0.0'),
      { machineId: 'a', currentVersion: '1', targetVersion: '2.0.0' },
      0,
    ).state;
    const late = decideUpdate(safe, s, { machineId: 'b', currentVersion: '1', targetVersion: '2.0.0' }, 10_000);
    expect(late.decision).toEqual({ grant: false, reason: 'rollout-halted' });
    expect(late.state.timedOut).toBe(1);
    s = recordAttemptOutcome(safe, s, 'a', '2.0.0', { kind: 'complete' });
    const r = decideUpdate(safe, s, { machineId: 'b', currentVersion: '1', targetVersion: '2.0.0' }, 5);
    const r2 = decideUpdate(safe, r.state, { machineId: 'c', currentVersion: '1', targetVersion: '2.0.0' }, 6);
    expect([r.decision.grant, r2.decision.grant]).toEqual([true, true]);
  });

  it('haltOnFailure halts after any failure; pause denies; disabled denies', () => {
    const p = { ...policy, haltOnFailure: true, maxUpdatesPerPeriod: 10 };
    let s = decideUpdate(
      p,
      initialRolloutState('2'),
      { machineId: 'a', currentVersion: '1', targetVersion: '2' },
      0,
    ).state;
    s = recordAttemptOutcome(p, s, 'a', '2', { kind: 'complete' });
    s = decideUpdate(p, s, { machineId: 'b', currentVersion: '1', targetVersion: '2' }, 1).state;
    s = recordAttemptOutcome(p, s, 'b', '2', { kind: 'failed', errorCode: 10 });
    expect(s.halted).toBe(true);
    const req = { machineId: 'z', currentVersion: '1', targetVersion: '2' };
    expect(decideUpdate(p, setPaused(initialRolloutState('2'), true), req, 0).decision).toEqual({
      grant: false,
      reason: 'paused',
    });
    expect(decideUpdate({ ...p, updatesEnabled: false }, initialRolloutState('2'), req, 0).decision).toEqual({
      grant: false,
      reason: 'updates-disabled',
    });
  });

  it('office hours: Mon-Fri 9-17 in the group time zone', () => {
    const monday10Utc = Date.UTC(2026, 10, 23, 10, 0); // 2026-11-23 is a Monday
    expect(withinOfficeHours(monday10Utc, 'UTC')).toBe(true);
    expect(withinOfficeHours(monday10Utc, 'America/New_York')).toBe(false); // 05:00 there
    expect(withinOfficeHours(Date.UTC(2026, 10, 22, 12, 0), 'UTC')).toBe(false); // Sunday
    const p = { ...policy, officeHours: true, timeZone: 'America/New_York' };
    const r = decideUpdate(
      p,
      initialRolloutState('2'),
      { machineId: 'a', currentVersion: '1', targetVersion: '2' },
      monday10Utc,
    );
    expect(r.decision).toEqual({ grant: false, reason: 'outside-office-hours' });
  });

  it('validates with messages naming the field', () => {
    expect(validateRolloutPolicy(defaultRolloutPolicy)).toEqual([]);
    const errs = validateRolloutPolicy({ ...defaultRolloutPolicy, maxUpdatesPerPeriod: 0, timeZone: 'Mars/Base' });
    expect(errs.join('\n')).toMatch(/max-updates-per-period \(0\)/);
    expect(errs.join('\n')).toMatch(/time-zone/);
  });
});
