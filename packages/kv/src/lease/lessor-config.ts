export interface LessorConfig {
  /** Grants below this TTL get it instead (etcd: 3/2 election timeout, rounded up to seconds). */
  readonly minLeaseTtlSeconds: number;
  /** Grants above this are refused with LeaseTtlTooLarge (etcd's MaxLeaseTTL, 9e9 s). */
  readonly maxLeaseTtlSeconds: number;
  /** Most leases held at once; more is refused with TooManyRequests. */
  readonly leasesMax: number;
  /** An expired lease handed out by expired() is handed out again after this, if still there. */
  readonly expiredRetryMs: number;
}

export function defaultLessorConfig(): LessorConfig {
  return { minLeaseTtlSeconds: 2, maxLeaseTtlSeconds: 9_000_000_000, leasesMax: 1_000_000, expiredRetryMs: 3000 };
}

/** etcd's minimum TTL: 3/2 of the election timeout, in whole seconds rounded up. */
export function minLeaseTtlSecondsFor(heartbeatIntervalMs: number, electionTicks: number): number {
  return Math.ceil((Math.floor((3 * electionTicks) / 2) * heartbeatIntervalMs) / 1000);
}

export function validateLessorConfig(config: LessorConfig): LessorConfig {
  for (const [name, value] of Object.entries(config)) {
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`lessor config ${name} (${value}) must be a positive integer`);
  }
  if (config.minLeaseTtlSeconds > config.maxLeaseTtlSeconds) {
    throw new Error(
      `minLeaseTtlSeconds (${config.minLeaseTtlSeconds}) must be at most maxLeaseTtlSeconds (${config.maxLeaseTtlSeconds})`,
    );
  }
  return config;
}
