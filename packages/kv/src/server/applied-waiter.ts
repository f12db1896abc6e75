/** Promises that resolve once the applied index reaches a target; notified by the apply loop. */
export class AppliedWaiter {
  private applied = 0;
  private readonly waiting: { index: number; resolve(): void }[] = [];

  get appliedIndex(): number {
    return this.applied;
  }

  wait(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push({ index, resolve });
    });
  }

  /** Called after entries up to `index` are applied. */
  advance(index: number): void {
    if (index <= this.applied) return;
    this.applied = index;
    if (this.waiting.length === 0) return;
    let kept = 0;
    for (const w of this.waiting) {
      if (w.index <= index) w.resolve();
      else this.waiting[kept++] = w;
    }
    this.waiting.length = kept;
  }
}
