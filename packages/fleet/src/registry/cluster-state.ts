/**
 * One consistent read of the registry (every part the engine and the API need, in one txn at
 * one revision), decoded. Values that do not decode are skipped and counted.
 */
import type { KeyValue, KvClient, TxnOpResult } from '@coreos-ts/kv-client';
import { op } from '@coreos-ts/kv-client';
import type { Machine } from '../scheduler/machine.js';
import type { UnitState } from '../unit/states.js';
import type { RegistryKeys } from './keys.js';
import {
  decodeDesiredState,
  decodeMachineRecord,
  decodeMetadata,
  decodeUnitRecord,
  type MachineRecord,
  type UnitRecord,
} from './records.js';

export interface RegisteredUnit {
  readonly record: UnitRecord;
  readonly desired: UnitState;
}

export interface RegisteredMachine extends Machine {
  readonly apiAddress: string;
}

export interface ClusterState {
  readonly revision: bigint;
  readonly units: ReadonlyMap<string, RegisteredUnit>;
  /** Live machines (those whose agent holds its lease), settings merged, sorted by ID. */
  readonly machines: readonly RegisteredMachine[];
  /** unit -> machines it is scheduled on (more than one only after a fault). */
  readonly schedule: ReadonlyMap<string, readonly string[]>;
  readonly unplaced: ReadonlyMap<string, string>;
  /** Values that did not decode. */
  readonly corrupt: readonly string[];
}

function suffix(kv: KeyValue, prefix: string): string {
  return kv.keyString.slice(prefix.length);
}

function kvsOf(result: TxnOpResult | undefined): KeyValue[] {
  return result?.type === 'range' ? result.range.kvs : [];
}

/** Machine settings (drain, dynamic metadata) merged over the machine's own record. */
export function mergeMachine(
  record: MachineRecord,
  drained: boolean,
  dynamic: Readonly<Record<string, string>> | undefined,
): RegisteredMachine {
  return {
    id: record.id,
    publicIp: record.publicIp,
    metadata: { ...record.metadata, ...(dynamic ?? {}) },
    drained,
    apiAddress: record.apiAddress,
  };
}

export async function readClusterState(
  client: KvClient,
  keys: RegistryKeys,
  options: { signal?: AbortSignal } = {},
): Promise<ClusterState> {
  const prefixes = [keys.units, keys.desiredAll, keys.machines, keys.settingsAll, keys.scheduleAll, keys.unplacedAll];
  const result = await client
    .txn()
    .andThen(...prefixes.map((p) => op.get(p, { prefix: true })))
    .commit(options.signal ? { signal: options.signal } : {});
  const [unitKvs, desiredKvs, machineKvs, settingKvs, scheduleKvs, unplacedKvs] = result.responses.map(kvsOf);
  const corrupt: string[] = [];
  const desired = new Map<string, UnitState>();
  for (const kv of desiredKvs ?? []) {
    const state = decodeDesiredState(kv.valueString);
    if (state) desired.set(suffix(kv, keys.desiredAll), state);
    else corrupt.push(kv.keyString);
  }
  const units = new Map<string, RegisteredUnit>();
  for (const kv of unitKvs ?? []) {
    const record = decodeUnitRecord(kv.valueString);
    if (!record) corrupt.push(kv.keyString);
    else units.set(record.name, { record, desired: desired.get(record.name) ?? 'inactive' });
  }
  const drained = new Set<string>();
  const dynamic = new Map<string, Record<string, string>>();
  for (const kv of settingKvs ?? []) {
    const [id, what] = suffix(kv, keys.settingsAll).split('/');
    if (!id) continue;
    if (what === 'drained') drained.add(id);
    else if (what === 'metadata') {
      const metadata = decodeMetadata(kv.valueString);
      if (metadata) dynamic.set(id, metadata);
      else corrupt.push(kv.keyString);
    }
  }
  const machines: RegisteredMachine[] = [];
  for (const kv of machineKvs ?? []) {
    const record = decodeMachineRecord(kv.valueString);
    if (!record) corrupt.push(kv.keyString);
    else machines.push(mergeMachine(record, drained.has(record.id), dynamic.get(record.id)));
  }
  machines.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const schedule = new Map<string, string[]>();
  for (const kv of scheduleKvs ?? []) {
    const parsed = keys.parseSchedule(kv.keyString);
    if (!parsed) continue;
    const [machineId, unit] = parsed;
    const list = schedule.get(unit) ?? [];
    list.push(machineId);
    schedule.set(unit, list);
  }
  const unplaced = new Map<string, string>();
  for (const kv of unplacedKvs ?? []) unplaced.set(suffix(kv, keys.unplacedAll), kv.valueString);
  return { revision: result.header.revision, units, machines, schedule, unplaced, corrupt };
}
