import type { BackoffPolicy } from '../client/backoff.js';
import { ConfigError } from '../config-error.js';
import type { RebootWindow } from '../window/reboot-window.js';

/**
 * How locksmithd reboots: `etcd-lock` (alias `kv-lock`) takes a slot of the semaphore first and
 * gives it back after boot; `reboot` reboots without a lock; `off` does nothing.
 */
export type Strategy = 'etcd-lock' | 'reboot' | 'off';

const STRATEGY_ALIASES: Record<string, Strategy> = {
  'etcd-lock': 'etcd-lock',
  'kv-lock': 'etcd-lock',
  reboot: 'reboot',
  off: 'off',
};

/** REBOOT_STRATEGY as locksmith reads it: empty means `reboot` (its default since v0.6.0). */
export function parseStrategy(text: string | undefined): Strategy {
  const key = (text ?? '').trim();
  if (key === '') return 'reboot';
  const strategy = STRATEGY_ALIASES[key];
  if (!strategy) {
    throw new ConfigError([
      `reboot-strategy ("${key}") must be one of etcd-lock, kv-lock, reboot, off (best-effort was removed in locksmith v0.6.0)`,
    ]);
  }
  return strategy;
}

export interface DaemonConfig {
  readonly strategy: Strategy;
  /** undefined: reboot whenever needed. */
  readonly window: RebootWindow | undefined;
  /** Drain the machine (move its units away) before rebooting, undrain after boot. */
  readonly drain: boolean;
  /** Back-off between refused lock attempts (locksmith: 5s doubling to 5m). */
  readonly lockBackoff: BackoffPolicy;
  /** Back-off between failed unlock, drain and undrain attempts. */
  readonly retryBackoff: BackoffPolicy;
}

export function defaultDaemonConfig(): DaemonConfig {
  return {
    strategy: 'reboot',
    window: undefined,
    drain: false,
    lockBackoff: { initialMs: 5000, maxMs: 300_000 },
    retryBackoff: { initialMs: 5000, maxMs: 300_000 },
  };
}

export function validateDaemonConfig(config: DaemonConfig): DaemonConfig {
  const problems: string[] = [];
  for (const [name, policy] of [
    ['lock-backoff', config.lockBackoff],
    ['retry-backoff', config.retryBackoff],
  ] as const) {
    if (!(policy.initialMs > 0)) problems.push(`${name} initial (${policy.initialMs}ms) must be greater than 0`);
    if (!(policy.maxMs >= policy.initialMs)) {
      problems.push(`${name} max (${policy.maxMs}ms) must be at least its initial (${policy.initialMs}ms)`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
