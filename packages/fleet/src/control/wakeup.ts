/**
 * A reconcile loop's alarm clock: `kick()` asks for a pass soon (kicks while a pass runs fold
 * into one more pass), `wait()` resolves at the next kick, after `intervalMs`, or on abort.
 */
export class Wakeup {
  private kicked = false;
  private wake: (() => void) | undefined;

  kick(): void {
    this.kicked = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Resolves true when kicked, false when the interval passed or `signal` aborted. */
  wait(intervalMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.kicked || signal.aborted) {
      const was = this.kicked;
      this.kicked = false;
      return Promise.resolve(was);
    }
    return new Promise((resolve) => {
      const done = (kicked: boolean): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.wake = undefined;
        this.kicked = false;
        resolve(kicked);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), intervalMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.wake = () => done(true);
    });
  }
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    }
    signal.addEventListener('abort', finish, { once: true });
  });
}
