import { type Logger, type RunningServer, silentLogger, startServer } from '@coreos-ts/grpc-kit';
import { type ChannelCredentials, ServerCredentials } from '@grpc/grpc-js';
import { SemaphoreClient } from '../client/semaphore-client.js';
import { type Clock, systemClock } from '../clock.js';
import { ConfigError } from '../config-error.js';
import { type FleetLockServer, startFleetLockServer } from '../fleetlock/fleetlock-server.js';
import { createLocksmithService } from '../grpc/locksmith-service.js';
import { DEFAULT_GROUP } from '../semaphore/keys.js';
import type { SemaphoreStore } from '../store/semaphore-store.js';
import type { DaemonConfig } from './daemon-config.js';
import {
  DaemonRunner,
  type DaemonRunnerOptions,
  type RebootPorts,
  systemTimers,
  type Timers,
} from './daemon-runner.js';
import { type FleetDrainerOptions, fleetDrainer } from './fleet-drain.js';
import { runRebootCommand } from './reboot-command.js';
import { StaleLockReaper } from './stale-lock-reaper.js';
import { followUpdateStatus, type UpdateStatusFollower } from './update-status-follower.js';

/** A gRPC peer locksmithd talks to. */
export interface GrpcPeer {
  address: string;
  credentials: ChannelCredentials;
}

export interface LocksmithdOptions {
  /** Where the semaphore lives (a KvSemaphoreStore in the binary). */
  store: SemaphoreStore;
  machineId: string;
  /** locksmith group; "" is the default semaphore. */
  group?: string;
  daemon: DaemonConfig;
  /** update-engine's gRPC service: its WatchStatus stream drives the daemon. */
  updateEngine?: GrpcPeer;
  /**
   * fleet's gRPC service, for drain / undrain (required when daemon.drain is set); a drain waits
   * up to `drainTimeoutMs` (default 60 s) for the machine's units to stop.
   */
  fleet?: GrpcPeer & Pick<FleetDrainerOptions, 'drainTimeoutMs' | 'drainPollMs'>;
  /** The shell command that reboots (default `systemctl reboot`); ignored when `reboot` is given. */
  rebootCommand?: string;
  /** Replaces the reboot command (tests). */
  reboot?: () => Promise<void>;
  /** Serve locksmith.v1.Locksmith here (host:port). */
  grpcListen?: string;
  /** Serve FleetLock here. */
  fleetLockListen?: { host: string; port: number };
  /**
   * Release holders of the group whose liveness key has been gone this long. Turns on liveness
   * keys for this daemon too (lease of livenessLeaseTtlSeconds).
   */
  staleLockTtlMs?: number;
  /** How often the reaper looks; default a quarter of the stale-lock TTL (100ms to 60s). */
  staleLockCheckIntervalMs?: number;
  /** Default 60, or less when the stale-lock TTL is short (a third of it, at least 1s). */
  livenessLeaseTtlSeconds?: number;
  clock?: Clock;
  timers?: Timers;
  log?: Logger;
  /** The strategy said to stop (off). */
  onExit?: (reason: string) => void;
  /** Passed to the DaemonRunner: every step of the decider. */
  onStep?: DaemonRunnerOptions['onStep'];
}

export interface Locksmithd {
  readonly runner: DaemonRunner;
  readonly client: SemaphoreClient;
  /** The bound gRPC port, when serving. */
  readonly grpcPort: number | undefined;
  readonly fleetLockPort: number | undefined;
  /** Stops everything it started (not the store). */
  stop(): Promise<void>;
}

export const DEFAULT_REBOOT_COMMAND = 'systemctl reboot';

/** The liveness lease TTL for a stale-lock TTL: 60s, or a third of the stale-lock TTL when shorter. */
export function livenessLeaseTtlFor(staleLockTtlMs: number): number {
  return Math.max(1, Math.min(60, Math.floor(staleLockTtlMs / 3000)));
}

/**
 * locksmithd, assembled: the decider's runner with ports over the semaphore, fleet and the
 * reboot command, fed by update-engine's status stream; optionally the stale-lock reaper, the
 * locksmith gRPC service and FleetLock.
 */
export async function startLocksmithd(options: LocksmithdOptions): Promise<Locksmithd> {
  const log = options.log ?? silentLogger;
  const group = options.group ?? DEFAULT_GROUP;
  if (options.daemon.drain && !options.fleet && options.daemon.strategy !== 'off') {
    throw new ConfigError(["drain needs fleet (the address of fleet's gRPC service)"]);
  }
  const livenessLeaseTtlSeconds =
    options.staleLockTtlMs === undefined
      ? undefined
      : (options.livenessLeaseTtlSeconds ?? livenessLeaseTtlFor(options.staleLockTtlMs));
  const client = new SemaphoreClient({
    store: options.store,
    log,
    ...(livenessLeaseTtlSeconds === undefined ? {} : { livenessLeaseTtlSeconds }),
  });
  const drainer =
    options.daemon.drain && options.fleet
      ? fleetDrainer({ ...options.fleet, machineId: options.machineId })
      : undefined;
  const rebootCommand = options.rebootCommand ?? DEFAULT_REBOOT_COMMAND;
  const ports: RebootPorts = {
    lock: async () => {
      await client.lock(options.machineId, group);
    },
    unlock: async () => {
      await client.unlockIfHeld(options.machineId, group);
    },
    drain: () => (drainer ? drainer.drain() : Promise.resolve()),
    undrain: () => (drainer ? drainer.undrain() : Promise.resolve()),
    reboot: options.reboot ?? (() => runRebootCommand(rebootCommand)),
  };
  const clock = options.clock ?? systemClock;
  const timers = options.timers ?? systemTimers;
  const runner = new DaemonRunner({
    config: options.daemon,
    ports,
    clock,
    timers,
    log,
    ...(options.onExit ? { onExit: options.onExit } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  });

  let grpc: RunningServer | undefined;
  let fleetLock: FleetLockServer | undefined;
  let follower: UpdateStatusFollower | undefined;
  let reaper: StaleLockReaper | undefined;
  const stop = async () => {
    runner.stop();
    follower?.close();
    reaper?.stop();
    drainer?.close();
    await Promise.all([grpc?.stop(), fleetLock?.close()]);
  };
  try {
    if (options.grpcListen !== undefined) {
      grpc = await startServer({
        address: options.grpcListen,
        credentials: ServerCredentials.createInsecure(),
        services: [createLocksmithService(client)],
        log,
      });
    }
    if (options.fleetLockListen) fleetLock = await startFleetLockServer({ ...options.fleetLockListen, client, log });
    log.info(
      {
        machineId: options.machineId,
        group,
        strategy: options.daemon.strategy,
        staleLockTtlMs: options.staleLockTtlMs,
      },
      'locksmithd starting',
    );
    runner.start();
    if (options.updateEngine) {
      follower = followUpdateStatus({
        ...options.updateEngine,
        log,
        onStatus: (status) => {
          log.info({ status }, 'update status');
          runner.updateStatus(status);
        },
      });
    }
    if (options.staleLockTtlMs !== undefined) {
      reaper = new StaleLockReaper({
        client,
        group,
        staleLockTtlMs: options.staleLockTtlMs,
        ...(options.staleLockCheckIntervalMs !== undefined ? { intervalMs: options.staleLockCheckIntervalMs } : {}),
        clock,
        timers,
        log,
      });
      reaper.start();
    }
    log.info({ grpcPort: grpc?.port, fleetLockPort: fleetLock?.port }, 'locksmithd started');
  } catch (err) {
    await stop();
    throw err;
  }
  return { runner, client, grpcPort: grpc?.port, fleetLockPort: fleetLock?.port, stop };
}
