import type { DaemonAction, DaemonEvent } from '../src/daemon/daemon-events.js';
import type { DaemonState } from '../src/daemon/reboot-decider.js';

export interface StepRecord {
  event: DaemonEvent;
  state: DaemonState;
  actions: readonly DaemonAction[];
  atMs: number;
}

/** Records a DaemonRunner's steps (its onStep hook) and lets a test await one. */
export class DaemonSteps {
  readonly seen: StepRecord[] = [];
  private waiters: { from: number; match: (s: StepRecord) => boolean; resolve: (s: StepRecord) => void }[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  readonly onStep = (event: DaemonEvent, state: DaemonState, actions: readonly DaemonAction[]): void => {
    const record = { event, state, actions, atMs: this.now() };
    this.seen.push(record);
    const index = this.seen.length - 1;
    this.waiters = this.waiters.filter((w) => {
      if (index < w.from || !w.match(record)) return true;
      w.resolve(record);
      return false;
    });
  };

  /** The index the next step will have: pass it to `next` to wait only for later steps. */
  mark(): number {
    return this.seen.length;
  }

  /** The first step at or after `from` that matches (bounded by the test's timeout). */
  next(match: (s: StepRecord) => boolean, from = 0): Promise<StepRecord> {
    const found = this.seen.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ from, match, resolve }));
  }

  count(match: (s: StepRecord) => boolean): number {
    return this.seen.filter(match).length;
  }
}

export const isEvent =
  (type: DaemonEvent['type']) =>
  (s: StepRecord): boolean =>
    s.event.type === type;

export const hasAction =
  (type: DaemonAction['type']) =>
  (s: StepRecord): boolean =>
    s.actions.some((a) => a.type === type);

export const isStatus =
  (status: string) =>
  (s: StepRecord): boolean =>
    s.event.type === 'update-status' && s.event.status === status;
