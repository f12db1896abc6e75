import type { Timers } from '../src/daemon/daemon-runner.js';

/** A clock and timers that move only when the test says so. */
export class FakeTime implements Timers {
  nowMs: number;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 0;
  private setWaiters: (() => void)[] = [];

  constructor(start: string) {
    this.nowMs = Date.parse(start);
  }

  readonly clock = { now: () => this.nowMs };

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.nowMs + ms, fn, id });
    const waiters = this.setWaiters;
    this.setWaiters = [];
    for (const resolve of waiters) resolve();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** When the earliest timer is due, or undefined. */
  get nextAt(): number | undefined {
    return this.timers.reduce<number | undefined>(
      (min, t) => (min === undefined || t.at < min ? t.at : min),
      undefined,
    );
  }

  /** Resolves when a timer is pending (at once if one is). */
  async timerPending(): Promise<number> {
    while (this.nextAt === undefined) await new Promise<void>((resolve) => this.setWaiters.push(resolve));
    return this.nextAt;
  }

  /** Jump to the earliest timer and fire it. */
  fireNext(): void {
    const at = this.nextAt;
    if (at === undefined) throw new Error('no timer pending');
    const due = this.timers.find((t) => t.at === at)!;
    this.timers = this.timers.filter((t) => t !== due);
    this.nowMs = at;
    due.fn();
  }
}
