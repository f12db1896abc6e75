import { describe, expect, it } from 'vitest';
import { commandProbe, runHealthWindow } from '../src/engine/health-check.js';
import { ManualTimers } from '../src/testing/manual-timers.js';

/** Runs the window, firing each wait the moment it is scheduled. */
async function drive(results: boolean[], windowMs: number, intervalMs: number) {
  const timers = new ManualTimers(0);
  let calls = 0;
  const probe = async () => results[calls++] ?? true;
  const run = runHealthWindow(probe, windowMs, intervalMs, timers, timers);
  let done = false;
  void run.finally(() => {
    done = true;
  });
  while (!done) {
    await Promise.race([timers.whenPending(), run]);
    timers.fireNext();
  }
  return { healthy: await run, calls, elapsedMs: timers.nowMs() };
}

describe('health window', () => {
  it('passes only after probing for the whole window', async () => {
    expect(await drive([], 10_000, 2_000)).toEqual({ healthy: true, calls: 6, elapsedMs: 10_000 });
    expect(await drive([], 0, 2_000)).toEqual({ healthy: true, calls: 1, elapsedMs: 0 });
  });

  it('fails at the first failing probe', async () => {
    expect(await drive([true, true, false], 10_000, 2_000)).toEqual({ healthy: false, calls: 3, elapsedMs: 4_000 });
  });

  it('runs commands: exit 0 is healthy, anything else is not', async () => {
    expect(await commandProbe('true')()).toBe(true);
    expect(await commandProbe('exit 3')()).toBe(false);
    expect(await commandProbe('')()).toBe(true);
  });
});
