import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config-error.js';
import {
  type DaemonConfig,
  defaultDaemonConfig,
  parseStrategy,
  validateDaemonConfig,
} from '../src/daemon/daemon-config.js';
import { type DaemonAction, type DaemonEvent, NEED_REBOOT_STATUS } from '../src/daemon/daemon-events.js';
import { type DaemonState, initialDaemonState, step } from '../src/daemon/reboot-decider.js';
import { isInWindow, nextWindowStart, parseRebootWindow, type RebootWindow } from '../src/window/reboot-window.js';

const at = (iso: string) => Date.parse(iso);
const needReboot: DaemonEvent = { type: 'update-status', status: NEED_REBOOT_STATUS };
const idleStatus: DaemonEvent = { type: 'update-status', status: 'UPDATE_STATUS_IDLE' };
const window14 = parseRebootWindow({ windowStart: '14:00', windowLength: '1h', timeZone: 'UTC' });

function config(overrides: Partial<DaemonConfig> = {}): DaemonConfig {
  return { ...defaultDaemonConfig(), strategy: 'etcd-lock', ...overrides };
}

/** Feeds events at times and records every action with the time it was emitted. */
function run(cfg: DaemonConfig, script: [string, DaemonEvent][], state: DaemonState = initialDaemonState()) {
  const actions: [string, DaemonAction][] = [];
  let s = state;
  for (const [iso, event] of script) {
    const result = step(cfg, s, event, at(iso));
    s = result.state;
    for (const a of result.actions) actions.push([iso, a]);
  }
  return { state: s, actions };
}

describe('strategy and config', () => {
  it.each([
    [undefined, 'reboot'],
    ['', 'reboot'],
    ['etcd-lock', 'etcd-lock'],
    ['kv-lock', 'etcd-lock'],
    ['reboot', 'reboot'],
    ['off', 'off'],
  ])('%j -> %s', (text, strategy) => {
    expect(parseStrategy(text)).toBe(strategy);
  });

  it('unknown strategies name the field', () => {
    expect(() => parseStrategy('best-effort')).toThrow(/reboot-strategy \("best-effort"\) must be one of/);
  });

  it('back-off policies are validated', () => {
    const bad = {
      ...defaultDaemonConfig(),
      lockBackoff: { initialMs: 0, maxMs: 10 },
      retryBackoff: { initialMs: 10, maxMs: 5 },
    };
    expect(() => validateDaemonConfig(bad)).toThrow(ConfigError);
    expect(() => validateDaemonConfig(bad)).toThrow(
      /lock-backoff initial \(0ms\).*retry-backoff max \(5ms\) must be at least/,
    );
  });
});

describe('locksmithd decisions', () => {
  it('off: exits at once', () => {
    expect(run(config({ strategy: 'off' }), [['2026-01-01T00:00:00Z', { type: 'boot-completed' }]]).actions).toEqual([
      ['2026-01-01T00:00:00Z', { type: 'exit', reason: 'reboot strategy is off' }],
    ]);
  });

  it('etcd-lock with a window: wait, lock, drain, reboot', () => {
    const { actions } = run(config({ window: window14, drain: true }), [
      ['2026-01-01T09:00:00Z', { type: 'boot-completed' }],
      ['2026-01-01T09:00:00Z', { type: 'undrained' }],
      ['2026-01-01T09:00:01Z', { type: 'unlocked' }],
      ['2026-01-01T10:00:00Z', needReboot],
      ['2026-01-01T14:00:00Z', { type: 'window-opened' }],
      ['2026-01-01T14:00:01Z', { type: 'lock-acquired' }],
      ['2026-01-01T14:05:00Z', { type: 'drained' }],
      ['2026-01-01T14:06:00Z', { type: 'reboot-finished', ok: true }],
      ['2026-01-01T14:07:00Z', needReboot],
    ]);
    expect(actions.map(([t, a]) => [t.slice(11, 19), a.type])).toEqual([
      ['09:00:00', 'undrain'],
      ['09:00:00', 'unlock'],
      ['10:00:00', 'wait-for-window'],
      ['14:00:00', 'try-lock'],
      ['14:00:01', 'drain'],
      ['14:05:00', 'run-reboot'],
    ]);
    expect(actions[2]?.[1]).toEqual({ type: 'wait-for-window', untilMs: at('2026-01-01T14:00:00Z') });
  });

  it('a lock obtained after the window closed is given back, and the reboot waits for the next window', () => {
    const { actions, state } = run(config({ window: window14 }), [
      ['2026-01-01T13:00:00Z', { type: 'boot-completed' }],
      ['2026-01-01T13:00:00Z', { type: 'unlocked' }],
      ['2026-01-01T14:30:00Z', needReboot],
      ['2026-01-01T15:10:00Z', { type: 'lock-acquired' }],
      ['2026-01-01T15:10:01Z', { type: 'unlocked' }],
    ]);
    expect(actions.map(([, a]) => a)).toEqual([
      { type: 'unlock' },
      { type: 'try-lock' },
      { type: 'unlock' },
      { type: 'wait-for-window', untilMs: at('2026-01-02T14:00:00Z') },
    ]);
    expect(state.lock).toBe('free');
  });

  it('a refused lock is retried with capped back-off, within the window only', () => {
    const cfg = config({ window: window14, lockBackoff: { initialMs: 60_000, maxMs: 240_000 } });
    const { actions } = run(cfg, [
      ['2026-01-01T14:00:00Z', { type: 'boot-completed' }],
      ['2026-01-01T14:00:00Z', { type: 'unlocked' }],
      ['2026-01-01T14:00:00Z', needReboot],
      ['2026-01-01T14:00:00Z', { type: 'lock-refused', reason: 'semaphore is at 0' }],
      ['2026-01-01T14:01:00Z', { type: 'timer' }],
      ['2026-01-01T14:01:00Z', { type: 'lock-refused', reason: 'semaphore is at 0' }],
      ['2026-01-01T14:03:00Z', { type: 'timer' }],
      ['2026-01-01T14:03:00Z', { type: 'lock-refused', reason: 'semaphore is at 0' }],
      ['2026-01-01T14:07:00Z', { type: 'timer' }],
      ['2026-01-01T14:07:00Z', { type: 'lock-refused', reason: 'semaphore is at 0' }],
      ['2026-01-01T14:59:59Z', { type: 'timer' }],
      ['2026-01-01T14:59:59Z', { type: 'lock-refused', reason: 'semaphore is at 0' }],
      ['2026-01-01T15:00:00Z', { type: 'window-closed' }],
    ]);
    const waits = actions.filter(([, a]) => a.type === 'wait-for-backoff').map(([t, a]) => [t, a]);
    expect(waits.map(([t, a]) => ((a as { untilMs: number }).untilMs - at(t as string)) / 60_000)).toEqual([
      1, 2, 4, 4, 4,
    ]);
    expect(actions.at(-1)?.[1]).toEqual({ type: 'wait-for-window', untilMs: at('2026-01-02T14:00:00Z') });
    expect(actions.some(([, a]) => a.type === 'run-reboot')).toBe(false);
  });

  it('reboot strategy: no lock, just the window', () => {
    const { actions } = run(config({ strategy: 'reboot', window: window14 }), [
      ['2026-01-01T12:00:00Z', { type: 'boot-completed' }],
      ['2026-01-01T12:00:00Z', needReboot],
      ['2026-01-01T14:00:00Z', { type: 'window-opened' }],
    ]);
    expect(actions.map(([, a]) => a.type)).toEqual(['wait-for-window', 'run-reboot']);
  });

  it('after boot: unlock is retried with capped back-off until it succeeds, then nothing', () => {
    const cfg = config({ retryBackoff: { initialMs: 5000, maxMs: 20_000 } });
    let s = initialDaemonState();
    let now = at('2026-01-01T00:00:00Z');
    const delays: number[] = [];
    let r = step(cfg, s, { type: 'boot-completed' }, now);
    expect(r.actions).toEqual([{ type: 'unlock' }]);
    s = r.state;
    for (let i = 0; i < 5; i++) {
      r = step(cfg, s, { type: 'unlock-failed', reason: 'store unavailable' }, now);
      const wait = r.actions[0];
      expect(wait?.type).toBe('wait-for-backoff');
      if (wait?.type !== 'wait-for-backoff') return;
      delays.push(wait.untilMs - now);
      now = wait.untilMs;
      r = step(cfg, r.state, { type: 'timer' }, now);
      expect(r.actions).toEqual([{ type: 'unlock' }]);
      s = r.state;
    }
    expect(delays).toEqual([5000, 10_000, 20_000, 20_000, 20_000]);
    r = step(cfg, s, { type: 'unlocked' }, now);
    expect(r.actions).toEqual([]);
    expect(r.state.lock).toBe('free');
    expect(step(cfg, r.state, { type: 'timer' }, now + 1).actions).toEqual([]);
  });

  it('answers for operations not in flight are ignored', () => {
    const { actions, state } = run(config(), [
      ['2026-01-01T00:00:00Z', { type: 'boot-completed' }],
      ['2026-01-01T00:00:01Z', { type: 'lock-acquired' }],
    ]);
    expect(state.lock).toBe('unknown');
    expect(actions.map(([, a]) => a.type)).toEqual(['unlock']);
  });

  it('a failed reboot command is not retried: undrain and unlock instead', () => {
    const { actions, state } = run(config({ drain: true }), [
      ['2026-01-01T00:00:00Z', { type: 'boot-completed' }],
      ['2026-01-01T00:00:00Z', { type: 'undrained' }],
      ['2026-01-01T00:00:00Z', { type: 'unlocked' }],
      ['2026-01-01T01:00:00Z', needReboot],
      ['2026-01-01T01:00:00Z', { type: 'lock-acquired' }],
      ['2026-01-01T01:00:00Z', { type: 'drained' }],
      ['2026-01-01T01:00:01Z', { type: 'reboot-finished', ok: false, reason: 'exit 1' }],
      ['2026-01-01T01:00:02Z', { type: 'undrained' }],
      ['2026-01-01T01:00:03Z', { type: 'unlocked' }],
      ['2026-01-01T01:00:04Z', needReboot],
    ]);
    expect(actions.map(([, a]) => a.type)).toEqual([
      'undrain',
      'unlock',
      'try-lock',
      'drain',
      'run-reboot',
      'undrain',
      'unlock',
    ]);
    expect(state.rebootFailed).toBe(true);
  });
});

/**
 * A simulated machine and cluster around the decider: answers arrive at random later times (after
 * the window may have closed), the lock is refused at random, status flips at random.
 */
interface WorldStep {
  advanceMs: number;
  kind: 'answer' | 'status-need' | 'status-idle' | 'timer' | 'window-opened';
  succeed: boolean;
}

const worldStep: fc.Arbitrary<WorldStep> = fc.record({
  advanceMs: fc.oneof(
    fc.integer({ min: 0, max: 120_000 }),
    fc.integer({ min: 0, max: 3 * 3_600_000 }),
    fc.integer({ min: 0, max: 24 * 3_600_000 }),
  ),
  kind: fc.constantFrom('answer', 'answer', 'answer', 'status-need', 'status-idle', 'timer', 'window-opened'),
  succeed: fc.boolean(),
});

const windowArb: fc.Arbitrary<RebootWindow> = fc
  .record({
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    lengthMinutes: fc.integer({ min: 1, max: 180 }),
    timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York'),
  })
  .map(({ lengthMinutes, ...r }) => ({ ...r, weekday: undefined, lengthMs: lengthMinutes * 60_000 }));

describe('locksmithd properties (simulated cluster, random timings)', () => {
  it('never reboots outside the window; at most once per need; always holding the lock and drained', () => {
    fc.assert(
      fc.property(
        windowArb,
        fc.boolean(),
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') }),
        fc.array(worldStep, { maxLength: 80 }),
        (window, drain, startMs, steps) => {
          const cfg = config({ window, drain, lockBackoff: { initialMs: 1000, maxMs: 60_000 } });
          let s = initialDaemonState();
          let now = startMs;
          let inflight: DaemonAction | undefined;
          let holdsLock = false;
          let drained = false;
          const rebootsPerNeed = new Map<number, number>();
          const apply = (event: DaemonEvent) => {
            const r = step(cfg, s, event, now);
            s = r.state;
            for (const a of r.actions) {
              if (a.type === 'run-reboot') {
                expect(isInWindow(window, now), `reboot at ${new Date(now).toISOString()}`).toBe(true);
                expect(holdsLock).toBe(true);
                if (drain) expect(drained).toBe(true);
                rebootsPerNeed.set(s.needs, (rebootsPerNeed.get(s.needs) ?? 0) + 1);
                expect(rebootsPerNeed.get(s.needs)).toBe(1);
              }
              if (['try-lock', 'unlock', 'drain', 'undrain', 'run-reboot'].includes(a.type)) {
                expect(inflight, 'one operation at a time').toBeUndefined();
                inflight = a;
              }
            }
          };
          apply({ type: 'boot-completed' });
          for (const w of steps) {
            now += w.advanceMs;
            if (w.kind === 'status-need') apply(needReboot);
            else if (w.kind === 'status-idle') apply(idleStatus);
            else if (w.kind === 'timer') apply({ type: 'timer' });
            else if (w.kind === 'window-opened') {
              // the shell's wait ends at the next start (plus the random advance, capped inside)
              now = nextWindowStart(window, now) + (w.advanceMs % window.lengthMs);
              apply({ type: 'window-opened' });
            } else if (inflight) {
              const a = inflight;
              inflight = undefined;
              if (a.type === 'try-lock') {
                holdsLock ||= w.succeed;
                apply(w.succeed ? { type: 'lock-acquired' } : { type: 'lock-refused', reason: 'semaphore is at 0' });
              } else if (a.type === 'unlock') {
                holdsLock &&= !w.succeed;
                apply(w.succeed ? { type: 'unlocked' } : { type: 'unlock-failed', reason: 'unavailable' });
              } else if (a.type === 'drain') {
                drained ||= w.succeed;
                apply(w.succeed ? { type: 'drained' } : { type: 'drain-failed', reason: 'fleet unavailable' });
              } else if (a.type === 'undrain') {
                drained &&= !w.succeed;
                apply(w.succeed ? { type: 'undrained' } : { type: 'undrain-failed', reason: 'fleet unavailable' });
              } else if (a.type === 'run-reboot') {
                apply({ type: 'reboot-finished', ok: w.succeed });
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('after the simulated boot the lock is released, however often unlock fails first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.boolean(), (failures, drain) => {
        const cfg = config({ drain, retryBackoff: { initialMs: 5000, maxMs: 300_000 } });
        // before the reboot: holding the lock (the world remembers it across the reboot)
        let holdsLock = true;
        let drained = drain;
        let s = initialDaemonState();
        let now = at('2026-05-01T00:00:00Z');
        const pending: DaemonAction[] = [...step(cfg, s, { type: 'boot-completed' }, now).actions];
        s = step(cfg, s, { type: 'boot-completed' }, now).state;
        let unlockFailuresLeft = failures;
        let delayMaxMs = 0;
        for (let guard = 0; pending.length > 0 && guard < 200; guard++) {
          const a = pending.shift()!;
          let event: DaemonEvent;
          if (a.type === 'wait-for-backoff') {
            delayMaxMs = Math.max(delayMaxMs, a.untilMs - now);
            now = a.untilMs;
            event = { type: 'timer' };
          } else if (a.type === 'undrain') {
            drained = false;
            event = { type: 'undrained' };
          } else if (a.type === 'unlock') {
            if (unlockFailuresLeft-- > 0) event = { type: 'unlock-failed', reason: 'unavailable' };
            else {
              holdsLock = false;
              event = { type: 'unlocked' };
            }
          } else {
            throw new Error(`unexpected action after boot: ${a.type}`);
          }
          const r = step(cfg, s, event, now);
          s = r.state;
          pending.push(...r.actions);
        }
        expect(holdsLock).toBe(false);
        expect(drained).toBe(false);
        expect(delayMaxMs).toBeLessThanOrEqual(300_000);
        expect(s.lock).toBe('free');
      }),
    );
  });
});
