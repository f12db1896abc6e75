export interface WatchConfig {
  /** Most watchers one hub holds; more is refused with TooManyRequests. */
  readonly watchersMax: number;
  /** Events a watcher may have waiting for its sink; past that it falls back to catching up from history. */
  readonly pendingEventsMax: number;
  /** Events one catch-up response carries (a single revision is never split, so it may carry more). */
  readonly catchUpEventsMax: number;
  /** History entries one catch-up step reads for one watcher. */
  readonly catchUpScanMax: number;
}

export function defaultWatchConfig(): WatchConfig {
  return { watchersMax: 100_000, pendingEventsMax: 1024, catchUpEventsMax: 1000, catchUpScanMax: 10_000 };
}

export function validateWatchConfig(config: WatchConfig): WatchConfig {
  for (const [name, value] of Object.entries(config)) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`watch config ${name} (${value}) must be a positive integer`);
  }
  if (config.catchUpEventsMax > config.pendingEventsMax) {
    throw new Error(
      `catchUpEventsMax (${config.catchUpEventsMax}) must be at most pendingEventsMax (${config.pendingEventsMax})`,
    );
  }
  return config;
}
