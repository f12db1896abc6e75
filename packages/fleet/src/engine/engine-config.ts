import type { Logger } from '@coreos-ts/grpc-kit';
import type { KvClient } from '@coreos-ts/kv-client';
import type { RegistryKeys } from '../registry/keys.js';

export interface EngineConfig {
  readonly client: KvClient;
  readonly keys: RegistryKeys;
  /** Proclaimed as the leader's value. */
  readonly machineId: string;
  readonly logger: Logger;
  /** A pass runs at least this often while leading (and on every relevant watch event). */
  readonly reconcileIntervalMs: number;
  /** TTL of the leader lease: a dead leader is replaced after this long. */
  readonly leaderTtlSeconds: number;
  /** Most writes per fenced txn (etcd refuses more than 128 ops by default). */
  readonly writesPerTxnMax: number;
  /** Back-off after a failed campaign or pass. */
  readonly retryMs: number;
}

export function validateEngineConfig(c: EngineConfig): void {
  if (c.machineId === '') throw new Error('engine machine-id must be set');
  if (!(c.reconcileIntervalMs > 0))
    throw new Error(`engine-reconcile-interval (${c.reconcileIntervalMs}ms) must be positive`);
  if (!Number.isInteger(c.leaderTtlSeconds) || c.leaderTtlSeconds < 1)
    throw new Error(`engine leader TTL (${c.leaderTtlSeconds}s) must be a whole number of seconds, at least 1`);
  if (!(c.writesPerTxnMax >= 2 && c.writesPerTxnMax <= 127))
    throw new Error(`engine writesPerTxnMax (${c.writesPerTxnMax}) must be within 2..127 (one op is the fence)`);
  if (!(c.retryMs > 0)) throw new Error(`engine retryMs (${c.retryMs}) must be positive`);
}
