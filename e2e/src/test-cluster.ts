// The harness as a library for scenario tests: a cluster in a fresh temp dir, handles to its
// machines and faults, and awaitable events (boots, update-engine status, rollout progress).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { updateenginepb, updateserverpb } from '@coreos-ts/proto';
import { Cluster, type PublishResult } from './cluster.js';
import type { ClusterInfo } from './cluster-info.js';
import type { ClusterOptions } from './cluster-options.js';
import type { ClusterStatus } from './cluster-status.js';
import type { BootRecord, Machine } from './machine.js';
import type { ComponentName } from './machine-config.js';
import { UpdateAdminRpc, UpdateEngineRpc } from './rpc.js';
import { UPDATE_GROUP } from './update-server-process.js';

export type TestClusterOptions = Omit<ClusterOptions, 'dir' | 'onDown' | 'removeDirIfAbandoned'> & {
  /** Keep the directory after stop (for debugging; also when E2E_KEEP_DIR=1). */
  readonly keepDir?: boolean;
};

export interface TestCluster {
  readonly dir: string;
  readonly info: ClusterInfo;
  readonly machines: readonly Machine[];
  readonly cluster: Cluster;
  machine(name: string): Machine;
  publish(version: string, options?: { bad: boolean }): Promise<PublishResult>;
  status(): Promise<ClusterStatus>;
  kill(machine: string, component?: ComponentName): Promise<void>;
  pause(machine: string, component?: ComponentName): Promise<void>;
  resume(machine: string, component?: ComponentName): Promise<void>;
  restart(machine: string, component?: ComponentName): Promise<void>;
  /** Reboots and resolves once the machine serves again. */
  reboot(machine: string): Promise<void>;
  /**
   * netns mode: machines in different groups cannot reach each other once this resolves (one
   * group: it is cut off from the rest). Replaces any partition in force.
   */
  partition(groups: readonly (readonly string[])[]): Promise<void>;
  /** netns mode: ends the partition. */
  heal(): Promise<void>;
  /** Resolves with the machine's first boot (its latest, or a later one) that satisfies `done`. */
  waitForBoot(machine: string, done: (boot: BootRecord) => boolean, timeoutMs: number): Promise<BootRecord>;
  /** Follows the machine's update-engine WatchStatus until `done`. */
  waitForUpdateStatus(
    machine: string,
    done: (s: updateenginepb.StatusResponse) => boolean,
    timeoutMs: number,
  ): Promise<updateenginepb.StatusResponse>;
  /** Follows the update group's WatchRollout until `done`. */
  waitForRollout(
    done: (p: updateserverpb.RolloutProgress) => boolean,
    timeoutMs: number,
  ): Promise<updateserverpb.RolloutProgress>;
  updateEngine(machine: string): UpdateEngineRpc;
  readonly admin: UpdateAdminRpc;
  /** Stops every process and removes the directory. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startTestCluster(options: TestClusterOptions): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'coreos-ts-e2e-'));
  const keep = options.keepDir === true || process.env.E2E_KEEP_DIR === '1';
  let cluster: Cluster;
  try {
    cluster = await Cluster.start({ ...options, dir, removeDirIfAbandoned: !keep });
  } catch (err) {
    if (!keep) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const admin = new UpdateAdminRpc(cluster.info.updateServer.admin, cluster.info.updateServer.appId);
  const act = async (machine: string, action: 'kill' | 'pause' | 'resume' | 'restart', component?: ComponentName) => {
    await cluster.machineAction(machine, action, component, true);
  };
  let stopped = false;
  return {
    dir,
    info: cluster.info,
    machines: cluster.machines,
    cluster,
    admin,
    machine: (name) => cluster.machine(name),
    publish: (version, o) => cluster.publish(version, o ?? { bad: false }),
    status: () => cluster.status(),
    kill: (m, c) => act(m, 'kill', c),
    pause: (m, c) => act(m, 'pause', c),
    resume: (m, c) => act(m, 'resume', c),
    restart: (m, c) => act(m, 'restart', c),
    reboot: async (m) => {
      await cluster.machineAction(m, 'reboot', undefined, true);
    },
    partition: async (groups) => {
      await cluster.partition(groups);
    },
    heal: async () => {
      await cluster.heal();
    },
    waitForBoot: (m, done, timeoutMs) => waitForBoot(cluster.machine(m), done, timeoutMs),
    waitForUpdateStatus: async (m, done, timeoutMs) => {
      const engine = new UpdateEngineRpc(cluster.machine(m).endpoints.updateEngine);
      try {
        return await engine.waitForStatus(done, `${m}'s update-engine status`, timeoutMs);
      } finally {
        engine.close();
      }
    },
    waitForRollout: (done, timeoutMs) =>
      admin.waitForRollout(UPDATE_GROUP, done, `the ${UPDATE_GROUP} rollout`, timeoutMs),
    updateEngine: (m) => new UpdateEngineRpc(cluster.machine(m).endpoints.updateEngine),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      admin.close();
      try {
        await cluster.stop();
      } finally {
        if (!keep) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function waitForBoot(machine: Machine, done: (boot: BootRecord) => boolean, timeoutMs: number): Promise<BootRecord> {
  const latest = machine.lastBoot;
  if (latest !== undefined && done(latest)) return Promise.resolve(latest);
  return new Promise((resolve, reject) => {
    const onBoot = (boot: BootRecord) => {
      if (!done(boot)) return;
      clearTimeout(timer);
      machine.events.off('boot', onBoot);
      resolve(boot);
    };
    const timer = setTimeout(() => {
      machine.events.off('boot', onBoot);
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for a boot of ${machine.name}; last: ${JSON.stringify(machine.lastBoot)}`,
        ),
      );
    }, timeoutMs);
    machine.events.on('boot', onBoot);
  });
}
