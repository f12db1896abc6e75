import assert from 'node:assert';

export interface ApplyQueueOptions {
  /** Rounds queued (not yet finished) beyond which `push` callers should wait: the backlog's bound. */
  roundsMax: number;
}

/**
 * Runs apply rounds one after the other, in the order they were pushed, beside the Ready loop:
 * the loop persists the next Ready while earlier committed entries are being applied. A failed
 * round stops the queue (every later round is skipped) and the failure is kept for the caller.
 */
export class ApplyQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private failed: { error: unknown } | undefined;
  private readonly waiters: { rounds: number; resolve(): void }[] = [];

  constructor(private readonly options: ApplyQueueOptions) {
    assert(options.roundsMax >= 1, 'apply queue: roundsMax must be at least 1');
  }

  /** Rounds pushed and not yet finished. */
  get backlog(): number {
    return this.queued;
  }

  /** The error that stopped the queue, if any. */
  failure(): { error: unknown } | undefined {
    return this.failed;
  }

  /** Queues a round; it starts once every earlier round finished. */
  push(round: () => Promise<void>): void {
    this.queued++;
    this.tail = this.tail.then(async () => {
      try {
        if (!this.failed) await round();
      } catch (error) {
        this.failed = { error };
      } finally {
        this.queued--;
        this.release();
      }
    });
  }

  /** Resolves once at most `rounds` rounds are queued (0: every pushed round finished). */
  whenAtMost(rounds: number): Promise<void> {
    if (this.queued <= rounds) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ rounds, resolve }));
  }

  /** Resolves once the backlog is under its bound again. */
  whenRoomLeft(): Promise<void> {
    return this.whenAtMost(this.options.roundsMax - 1);
  }

  /** Resolves once every pushed round finished. */
  idle(): Promise<void> {
    return this.whenAtMost(0);
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    let kept = 0;
    for (const w of this.waiters) {
      if (this.queued <= w.rounds) w.resolve();
      else this.waiters[kept++] = w;
    }
    this.waiters.length = kept;
  }
}
