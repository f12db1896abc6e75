/** fleetd's typed configuration (flags and FLEET_* in bin/fleetd.ts), validated once. */
import type { ClientTls } from '@coreos-ts/kv-client';
import { DEFAULT_KEY_PREFIX } from '../registry/keys.js';

export interface FleetdConfig {
  readonly etcdServers: readonly string[];
  readonly etcdKeyPrefix: string;
  readonly etcdTls?: ClientTls;
  readonly machineId: string;
  readonly publicIp: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly agentTtlSeconds: number;
  readonly agentReconcileIntervalMs: number;
  readonly engineReconcileIntervalMs: number;
  readonly disableEngine: boolean;
  /** gRPC listen address (host:port; port 0 picks one). */
  readonly listen: string;
  /** Where the process runtime keeps unit records and logs. */
  readonly stateDir: string;
  /** dockerd's socket for `.container` units; empty disables them. */
  readonly dockerSocket: string;
  readonly retryMs: number;
}

export function defaultFleetdConfig(): FleetdConfig {
  return {
    etcdServers: ['http://127.0.0.1:2379'],
    etcdKeyPrefix: DEFAULT_KEY_PREFIX,
    machineId: '',
    publicIp: '',
    metadata: {},
    agentTtlSeconds: 30,
    agentReconcileIntervalMs: 5_000,
    engineReconcileIntervalMs: 2_000,
    disableEngine: false,
    listen: '127.0.0.1:0',
    stateDir: '/var/lib/fleet',
    dockerSocket: '/var/run/docker.sock',
    retryMs: 500,
  };
}

export function validateFleetdConfig(c: FleetdConfig): void {
  if (c.etcdServers.length === 0) throw new Error('etcd-servers must name at least one endpoint');
  if (!c.etcdKeyPrefix.startsWith('/')) throw new Error(`etcd-key-prefix (${c.etcdKeyPrefix}) must start with "/"`);
  if (!/^[0-9a-f]{32}$/.test(c.machineId))
    throw new Error(`machine-id (${JSON.stringify(c.machineId)}) must be 32 lowercase hex characters`);
  if (!Number.isInteger(c.agentTtlSeconds) || c.agentTtlSeconds < 1)
    throw new Error(`agent-ttl (${c.agentTtlSeconds}s) must be a whole number of seconds, at least 1`);
  if (c.agentReconcileIntervalMs * 2 > c.agentTtlSeconds * 1000)
    throw new Error(
      `agent reconcile interval (${c.agentReconcileIntervalMs}ms) must be at most half of agent-ttl (${c.agentTtlSeconds}s)`,
    );
  if (!(c.engineReconcileIntervalMs > 0))
    throw new Error(`engine-reconcile-interval (${c.engineReconcileIntervalMs}ms) must be positive`);
  if (c.stateDir === '') throw new Error('state-dir must be set');
  if (c.listen === '') throw new Error('listen must be set');
}
