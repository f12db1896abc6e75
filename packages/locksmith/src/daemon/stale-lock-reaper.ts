import type { Logger } from '@coreos-ts/grpc-kit';
import type { SemaphoreClient, StaleRelease } from '../client/semaphore-client.js';
import type { Clock } from '../clock.js';
import type { Timers } from './daemon-runner.js';

export interface StaleLockReaperOptions {
  client: SemaphoreClient;
  group: string;
  staleLockTtlMs: number;
  /** How often to look; default a quarter of the TTL, between 100ms and 60s. */
  intervalMs?: number;
  clock: Clock;
  timers: Timers;
  log: Logger;
  /** Told about every release (tests, metrics). */
  onRelease?: (released: readonly StaleRelease[]) => void;
}

/** The interval a reaper uses for a stale-lock TTL unless told otherwise. */
export function reaperIntervalFor(staleLockTtlMs: number): number {
  return Math.min(60_000, Math.max(100, Math.floor(staleLockTtlMs / 4)));
}

/**
 * Periodically releases the group's holders whose liveness key has been absent for longer than
 * the stale-lock TTL (SemaphoreClient.releaseStaleHolders). A holder is released between TTL
 * and TTL + 2 intervals after its key disappeared.
 */
export class StaleLockReaper {
  private timer: unknown;
  private stopped = false;
  private readonly intervalMs: number;

  constructor(private readonly options: StaleLockReaperOptions) {
    this.intervalMs = options.intervalMs ?? reaperIntervalFor(options.staleLockTtlMs);
  }

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.options.timers.setTimeout(() => void this.sweep(), delayMs);
  }

  private async sweep(): Promise<void> {
    const { client, group, staleLockTtlMs, clock, log } = this.options;
    try {
      const released = await client.releaseStaleHolders(clock.now(), staleLockTtlMs, group);
      if (released.length > 0) this.options.onRelease?.(released);
    } catch (err) {
      log.warn({ group, reason: err instanceof Error ? err.message : String(err) }, 'stale lock check failed');
    }
    this.schedule(this.intervalMs);
  }
}
