import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  initialStatusState,
  type StatusEvent,
  type StatusState,
  statusName,
  transitionStatus,
  UpdateStatus,
} from '../src/core/update-status.js';

function run(events: StatusEvent[], start = initialStatusState()): StatusState {
  let s = start;
  events.forEach((e, i) => {
    const r = transitionStatus(s, e, 1000 + i);
    if (!r.ok) throw new Error(r.reason);
    s = r.state;
  });
  return s;
}

const eventArb: fc.Arbitrary<StatusEvent> = fc.oneof(
  fc.constant<StatusEvent>({ type: 'check' }),
  fc.constant<StatusEvent>({ type: 'no-update' }),
  fc.record({ type: fc.constant('update-available' as const), version: fc.string(), sizeBytes: fc.nat() }),
  fc.record({ type: fc.constant('download-progress' as const), bytes: fc.nat() }),
  fc.constant<StatusEvent>({ type: 'downloaded' }),
  fc.constant<StatusEvent>({ type: 'verified' }),
  fc.constant<StatusEvent>({ type: 'finalized' }),
  fc.record({ type: fc.constant('failed' as const), errorCode: fc.nat(), message: fc.string() }),
  fc.constant<StatusEvent>({ type: 'error-reported' }),
  fc.constant<StatusEvent>({ type: 'reset' }),
);

describe('update status machine', () => {
  it('walks the happy path through all statuses', () => {
    const s = run([
      { type: 'check' },
      { type: 'update-available', version: '2.0.0', sizeBytes: 100 },
      { type: 'download-progress', bytes: 50 },
      { type: 'downloaded' },
      { type: 'verified' },
      { type: 'finalized' },
    ]);
    expect(s.status).toBe(UpdateStatus.UPDATED_NEED_REBOOT);
    expect(s.newVersion).toBe('2.0.0');
    expect(s.progress).toBe(1);
    expect(statusName(s.status)).toBe('UPDATE_STATUS_UPDATED_NEED_REBOOT');
  });

  it('reports errors then returns to idle with the code kept', () => {
    const s = run([
      { type: 'check' },
      { type: 'update-available', version: '2.0.0', sizeBytes: 100 },
      { type: 'failed', errorCode: 10, message: 'hash' },
    ]);
    expect(s.status).toBe(UpdateStatus.REPORTING_ERROR_EVENT);
    const idle = run([{ type: 'error-reported' }], s);
    expect(idle.status).toBe(UpdateStatus.IDLE);
    expect(idle.lastErrorCode).toBe(10);
  });

  it('refuses reset while downloading and a second check while busy', () => {
    const s = run([{ type: 'check' }, { type: 'update-available', version: 'v', sizeBytes: 1 }]);
    expect(transitionStatus(s, { type: 'reset' }, 0).ok).toBe(false);
    expect(transitionStatus(s, { type: 'check' }, 0).ok).toBe(false);
  });

  it('never leaves the statuses, keeps progress in [0,1], and only reaches NEED_REBOOT via FINALIZING', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        let s = initialStatusState();
        for (const e of events) {
          const r = transitionStatus(s, e, 5);
          if (!r.ok) continue;
          if (r.state.status === UpdateStatus.UPDATED_NEED_REBOOT && s.status !== UpdateStatus.UPDATED_NEED_REBOOT) {
            expect(s.status).toBe(UpdateStatus.FINALIZING);
          }
          s = r.state;
          expect(UpdateStatus[s.status]).toBeDefined();
          expect(s.progress).toBeGreaterThanOrEqual(0);
          expect(s.progress).toBeLessThanOrEqual(1);
        }
      }),
    );
  });
});
