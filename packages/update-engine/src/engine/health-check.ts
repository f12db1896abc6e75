// The post-boot health check: a command that must keep exiting 0 for a window of time.
import { spawn } from 'node:child_process';
import type { Clock, Timers } from './clock.js';

export type HealthProbe = () => Promise<boolean>;

/** Runs `sh -c command`; healthy when it exits 0 within `timeoutMs`. An empty command is always healthy. */
export function commandProbe(command: string, timeoutMs = 60_000): HealthProbe {
  if (command === '') return async () => true;
  return () =>
    new Promise((resolve) => {
      const child = spawn('sh', ['-c', command], { stdio: 'ignore', timeout: timeoutMs });
      child.on('error', () => resolve(false));
      child.on('exit', (code) => resolve(code === 0));
    });
}

/** Probes every `intervalMs` until `windowMs` has passed (pass) or a probe fails (fail). */
export async function runHealthWindow(
  probe: HealthProbe,
  windowMs: number,
  intervalMs: number,
  clock: Clock,
  timers: Timers,
): Promise<boolean> {
  const start = clock.nowMs();
  for (;;) {
    if (!(await probe())) return false;
    if (clock.nowMs() - start >= windowMs) return true;
    await new Promise<void>((resolve) => timers.setTimeout(resolve, intervalMs));
  }
}
