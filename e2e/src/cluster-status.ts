// `cluster status`: each machine's boot (slot, version), processes and update-engine status, the
// kv cluster's leader, reboot-lock holders, and what the update server knows of each instance.
import { KvClient } from '@coreos-ts/kv-client';
import type { Machine } from './machine.js';
import type { ProcessState } from './managed-process.js';
import { listUnits, UpdateEngineRpc } from './rpc.js';
import type { RunningUpdateServer } from './update-server-process.js';

export interface ComponentStatus {
  readonly pid: number | null;
  readonly state: ProcessState;
  readonly exitCode: number | null;
  readonly exitSignal: string | null;
}

export interface SlotStatus {
  readonly name: string;
  readonly priority: number;
  readonly tries: number;
  readonly successful: boolean;
  readonly version: string;
}

export interface MachineStatus {
  readonly name: string;
  readonly machineId: string;
  readonly state: string;
  readonly bootCount: number;
  readonly bootId: string | null;
  readonly bootedSlot: string | null;
  readonly version: string | null;
  readonly components: Readonly<Record<string, ComponentStatus>>;
  /** update-engine's status name (UPDATE_STATUS_...), or `unreachable: ...`. */
  readonly updateStatus: string;
  readonly newVersion: string;
  readonly lastErrorCode: number;
  readonly slots: readonly SlotStatus[];
  readonly kvLeader: boolean;
  readonly kvError: string | null;
}

export interface InstanceStatusView {
  readonly machine: string;
  readonly version: string;
  readonly status: string;
  readonly targetVersion: string;
  readonly lastErrorCode: number;
}

export interface ClusterStatus {
  readonly machines: readonly MachineStatus[];
  readonly kv: { readonly leader: string | null; readonly members: number; readonly error: string | null };
  /** fleet's units (when fleetd runs): machine is the machine's name ('' when unplaced). */
  readonly units: readonly { name: string; machine: string; desired: string; current: string }[] | null;
  /** The reboot semaphore (locksmith's default group), when one exists in kv. */
  readonly rebootLock: { readonly max: number; readonly free: number; readonly holders: readonly string[] } | null;
  readonly updateServer: {
    readonly pid: number | null;
    readonly instances: readonly InstanceStatusView[];
    readonly error: string | null;
  };
  /** netns mode: the groups of the partition in force, null when there is none. */
  readonly partition?: readonly (readonly string[])[] | null;
}

export const SEMAPHORE_KEY = 'coreos.com/updateengine/rebootlock/semaphore';
const STATUS_CALL_MS = 1_500;

export async function gatherStatus(
  machines: readonly Machine[],
  kvEndpoints: readonly string[],
  updateServer: RunningUpdateServer,
): Promise<ClusterStatus> {
  const nameOf = (machineId: string) => machines.find((m) => m.config.machineId === machineId)?.name ?? machineId;
  const kv = new KvClient({ endpoints: [...kvEndpoints], dialTimeoutMs: 500, callTimeoutMs: STATUS_CALL_MS });
  try {
    const [kvView, lock, views, instances, units] = await Promise.all([
      kvLeader(kv, machines),
      rebootLock(kv, nameOf),
      Promise.all(machines.map((m) => machineView(m, kv))),
      updateServer.admin.listInstances().then(
        (list) => ({
          instances: list.map((i) => ({
            machine: nameOf(i.machineId),
            version: i.version,
            status: i.statusName,
            targetVersion: i.targetVersion,
            lastErrorCode: i.lastErrorCode,
          })),
          error: null,
        }),
        (err: Error) => ({ instances: [], error: err.message }),
      ),
      fleetUnits(machines, nameOf),
    ]);
    const leader = kvView.leader;
    return {
      machines: views.map((v) => ({ ...v, kvLeader: leader !== null && v.name === leader })),
      kv: kvView,
      rebootLock: lock,
      units,
      updateServer: { pid: updateServer.process.pid ?? null, ...instances },
    };
  } finally {
    kv.close();
  }
}

async function kvLeader(kv: KvClient, machines: readonly Machine[]) {
  try {
    const { members } = await kv.cluster.memberList();
    const status = await kv.maintenance.status();
    const leader = members.find((m) => m.id === status.leader)?.name ?? null;
    return { leader: machines.some((m) => m.name === leader) ? leader : null, members: members.length, error: null };
  } catch (err) {
    return { leader: null, members: 0, error: (err as Error).message };
  }
}

async function fleetUnits(
  machines: readonly Machine[],
  nameOf: (id: string) => string,
): Promise<ClusterStatus['units']> {
  const fleet = machines.find((m) => m.process('fleetd')?.state === 'running')?.endpoints.fleet;
  if (fleet === undefined) return null;
  try {
    return (await listUnits(fleet, STATUS_CALL_MS)).map((u) => ({
      name: u.name,
      machine: u.machineId === '' ? '' : nameOf(u.machineId),
      desired: u.desiredState,
      current: u.currentState,
    }));
  } catch {
    return null;
  }
}

async function rebootLock(kv: KvClient, nameOf: (id: string) => string): Promise<ClusterStatus['rebootLock']> {
  try {
    const value = (await kv.getKv(SEMAPHORE_KEY))?.valueString;
    if (value === undefined) return null;
    const parsed = JSON.parse(value) as { semaphore: number; max: number; holders: string[] | null };
    return { max: parsed.max, free: parsed.semaphore, holders: (parsed.holders ?? []).map(nameOf) };
  } catch {
    return null;
  }
}

async function machineView(machine: Machine, kv: KvClient): Promise<Omit<MachineStatus, 'kvLeader'>> {
  const components: Record<string, ComponentStatus> = {};
  for (const name of machine.components()) {
    const proc = machine.process(name);
    components[name] = {
      pid: proc?.pid ?? null,
      state: proc?.state ?? 'stopped',
      exitCode: proc?.lastExit?.code ?? null,
      exitSignal: proc?.lastExit?.signal ?? null,
    };
  }
  const boot = machine.lastBoot;
  const base = {
    name: machine.name,
    machineId: machine.config.machineId,
    state: machine.state,
    bootCount: boot?.bootCount ?? 0,
    bootId: boot?.bootId ?? null,
    bootedSlot: boot?.slot ?? null,
    version: boot?.version ?? null,
    components,
  };
  const engine = new UpdateEngineRpc(machine.endpoints.updateEngine, STATUS_CALL_MS);
  let update: Pick<MachineStatus, 'updateStatus' | 'newVersion' | 'lastErrorCode' | 'slots'>;
  try {
    const [status, info] = await Promise.all([engine.status(), engine.bootInfo()]);
    update = {
      updateStatus: status.currentOperationName,
      newVersion: status.newVersion,
      lastErrorCode: status.lastErrorCode,
      slots: info.slots.map((s) => ({
        name: s.name,
        priority: s.priority,
        tries: s.tries,
        successful: s.successful,
        version: s.version,
      })),
    };
  } catch (err) {
    update = { updateStatus: `unreachable: ${(err as Error).message}`, newVersion: '', lastErrorCode: 0, slots: [] };
  } finally {
    engine.close();
  }
  let kvError: string | null = null;
  try {
    await kv.maintenance.status({ endpoint: machine.endpoints.kv, timeoutMs: STATUS_CALL_MS });
  } catch (err) {
    kvError = (err as Error).message;
  }
  return { ...base, ...update, kvError };
}
