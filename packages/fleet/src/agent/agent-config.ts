import type { Logger } from '@coreos-ts/grpc-kit';
import type { KvClient } from '@coreos-ts/kv-client';
import type { RegistryKeys } from '../registry/keys.js';
import type { UnitRuntime } from '../runtime/unit-runtime.js';

export interface AgentConfig {
  readonly client: KvClient;
  readonly keys: RegistryKeys;
  readonly machineId: string;
  readonly publicIp: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** This fleetd's gRPC address, published for journals; empty if none. */
  readonly apiAddress: string;
  /** TTL of the machine's lease: its units move elsewhere this long after it stops renewing. */
  readonly ttlSeconds: number;
  /** A pass (start/stop, state publication) runs at least this often, and on every watch event. */
  readonly reconcileIntervalMs: number;
  readonly retryMs: number;
  readonly logger: Logger;
  /** `.service` units. */
  readonly processRuntime: UnitRuntime;
  /** `.container` units; absent: they fail with a message saying Docker is not configured. */
  readonly dockerRuntime?: UnitRuntime;
}

const MACHINE_ID = /^[0-9a-f]{32}$/;

export function validateAgentConfig(c: AgentConfig): void {
  if (!MACHINE_ID.test(c.machineId))
    throw new Error(`machine-id (${JSON.stringify(c.machineId)}) must be 32 lowercase hex characters`);
  if (!Number.isInteger(c.ttlSeconds) || c.ttlSeconds < 1)
    throw new Error(`agent-ttl (${c.ttlSeconds}s) must be a whole number of seconds, at least 1`);
  if (!(c.reconcileIntervalMs > 0))
    throw new Error(`agent reconcile interval (${c.reconcileIntervalMs}ms) must be positive`);
  if (!(c.retryMs > 0)) throw new Error(`agent retryMs (${c.retryMs}) must be positive`);
}
