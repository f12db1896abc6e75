/**
 * A real fleet for tests: a 3-member etcd cluster and in-process fleetds (each its own state
 * dir, machine ID and metadata), plus a FleetApiClient over all of them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger, silentLogger } from '@coreos-ts/grpc-kit';
import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import type { fleetpb } from '@coreos-ts/proto';
import { FleetApiClient } from '../src/api/fleet-api-client.js';
import { type RunningFleetd, startFleetd } from '../src/server/fleetd.js';
import { defaultFleetdConfig, type FleetdConfig } from '../src/server/fleetd-config.js';

export const AGENT_TTL_SECONDS = 2;

export interface MachineSpec {
  readonly id: string;
  readonly metadata?: Record<string, string>;
  readonly disableEngine?: boolean;
  /** Run `.container` units through the dockerd at /var/run/docker.sock. */
  readonly docker?: boolean;
}

export function testLogger(): Logger {
  return process.env.FLEET_TEST_LOG ? createLogger({ level: 'debug', name: 'fleet-test' }) : silentLogger;
}

export class FleetHarness {
  readonly fleetds = new Map<string, RunningFleetd>();
  private readonly dirs: string[] = [];
  private readonly stateDirs = new Map<string, string>();
  private readonly specs = new Map<string, MachineSpec>();
  api!: FleetApiClient;

  private constructor(
    readonly etcd: RunningCluster,
    readonly prefix: string,
  ) {}

  static async start(machines: readonly MachineSpec[], prefix = '/fleet-test/'): Promise<FleetHarness> {
    const etcd = await startCluster({ size: 3, binary: 'etcd' });
    const harness = new FleetHarness(etcd, prefix);
    for (const m of machines) await harness.startMachine(m);
    harness.reconnect();
    return harness;
  }

  config(spec: MachineSpec): FleetdConfig {
    let stateDir = this.stateDirs.get(spec.id);
    if (!stateDir) {
      stateDir = mkdtempSync(join(tmpdir(), `fleetd-${spec.id.slice(0, 8)}-`));
      this.dirs.push(stateDir);
      this.stateDirs.set(spec.id, stateDir);
    }
    return {
      ...defaultFleetdConfig(),
      etcdServers: this.etcd.endpoints,
      etcdKeyPrefix: this.prefix,
      machineId: spec.id,
      publicIp: '127.0.0.1',
      metadata: spec.metadata ?? {},
      agentTtlSeconds: AGENT_TTL_SECONDS,
      agentReconcileIntervalMs: 250,
      engineReconcileIntervalMs: 500,
      disableEngine: spec.disableEngine ?? false,
      stateDir,
      dockerSocket: spec.docker ? '/var/run/docker.sock' : '',
      retryMs: 200,
    };
  }

  async startMachine(spec: MachineSpec): Promise<RunningFleetd> {
    this.specs.set(spec.id, spec);
    const fleetd = await startFleetd(this.config(spec), testLogger().child({ machine: spec.id.slice(0, 8) }));
    this.fleetds.set(spec.id, fleetd);
    return fleetd;
  }

  async restartMachine(id: string): Promise<RunningFleetd> {
    const spec = this.specs.get(id);
    if (!spec) throw new Error(`unknown machine ${id}`);
    return this.startMachine(spec);
  }

  /** A client over every running fleetd. */
  reconnect(): void {
    this.api?.close();
    this.api = new FleetApiClient({ endpoints: [...this.fleetds.values()].map((f) => f.address) });
  }

  async stop(): Promise<void> {
    this.api?.close();
    for (const f of this.fleetds.values()) await f.stop().catch(() => {});
    await this.etcd.stop();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
  }

  /** Waits (bounded) until `probe` returns a value. */
  async until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
    return waitUntil(what, probe, { timeoutMs, intervalMs: 100 });
  }

  /** Waits until every named unit's current state is launched; returns name -> machine ID. */
  async launched(names: readonly string[], timeoutMs = 15_000): Promise<Map<string, string>> {
    return this.until(
      `${names.join(', ')} to be launched`,
      async () => {
        const units = await this.api.listUnits();
        const out = new Map<string, string>();
        for (const u of units) if (names.includes(u.name) && isLaunched(u)) out.set(u.name, u.machineId);
        return out.size === names.length ? out : undefined;
      },
      timeoutMs,
    );
  }
}

function isLaunched(u: fleetpb.Unit): boolean {
  return u.currentState === 3 && (u.global || u.machineId !== '');
}

/** A 32-hex machine ID starting with `tag` (hex digits only). */
export function machineId(tag: string): string {
  return tag.padEnd(32, '0');
}

/** A .service unit that prints a line, then sleeps. */
export function serviceUnit(xFleet: string[] = [], message = 'hello'): string {
  return [
    '[Unit]',
    'Description=test unit',
    '',
    '[Service]',
    `ExecStart=/bin/sh -c 'echo ${message}; exec sleep 600'`,
    '',
    '[X-Fleet]',
    ...xFleet,
    '',
  ].join('\n');
}
