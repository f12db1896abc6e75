// Timers and clock driven by hand: a test sees every delay the engine asks for and fires it.
import type { Clock, Timers } from '../engine/clock.js';

interface Pending {
  readonly fn: () => void;
  readonly ms: number;
}

export class ManualTimers implements Timers, Clock {
  private readonly pending = new Set<Pending>();
  /** Every delay ever requested, in order. */
  readonly requested: number[] = [];
  private now: number;
  private waiters: Array<() => void> = [];

  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const p = { fn, ms };
    this.pending.add(p);
    this.requested.push(ms);
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    return p;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as Pending);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Resolves once a timer is pending (immediately if one is). */
  whenPending(): Promise<void> {
    if (this.pending.size > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Advances the clock to the earliest pending timer and runs it; false when none is pending. */
  fireNext(): boolean {
    let next: Pending | undefined;
    for (const p of this.pending) if (next === undefined || p.ms < next.ms) next = p;
    if (next === undefined) return false;
    this.pending.delete(next);
    this.now += next.ms;
    next.fn();
    return true;
  }
}
