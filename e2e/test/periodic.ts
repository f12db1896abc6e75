// A loop that runs a step, waits `intervalMs` after it settles, and runs it again until stopped;
// stopping cuts the wait short and resolves once the step in flight has settled.

export interface Periodic {
  stop(): Promise<void>;
}

export function runPeriodically(intervalMs: number, step: () => Promise<void>): Periodic {
  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (!stopped) {
      await step();
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
