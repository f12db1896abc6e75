/**
 * The registry as the API uses it: unit submission and desired states, destruction, reads of
 * units, unit states and machines, machine settings (drain, dynamic metadata). Refusals are
 * DomainErrors (invalid-argument names the line of a bad unit file).
 */
import { DomainError } from '@coreos-ts/grpc-kit';
import { compare, type KeyValue, type KvClient, op } from '@coreos-ts/kv-client';
import { matchesMachineId } from '../scheduler/machine.js';
import { applyCommand, type UnitState } from '../unit/states.js';
import { parseUnitFile, UnitParseError } from '../unit/unit-file.js';
import { unitHash } from '../unit/unit-hash.js';
import { parseUnitName, UnitNameError } from '../unit/unit-name.js';
import { parseXFleet, XFleetError } from '../unit/x-fleet.js';
import { type ClusterState, readClusterState } from './cluster-state.js';
import type { RegistryKeys } from './keys.js';
import {
  decodeDesiredState,
  decodeMetadata,
  decodeUnitRecord,
  decodeUnitStateRecord,
  encodeRecord,
  type UnitRecord,
} from './records.js';
import {
  type MachineView,
  machineViews,
  placementIn,
  type ReportedState,
  type UnitView,
  unitView,
} from './unit-views.js';

export interface RegistryLimits {
  /** Most units the registry accepts (fleet advises against more than 1,000 services). */
  readonly unitsMax: number;
}

export const defaultRegistryLimits: RegistryLimits = { unitsMax: 10_000 };

export class Registry {
  constructor(
    readonly client: KvClient,
    readonly keys: RegistryKeys,
    readonly limits: RegistryLimits = defaultRegistryLimits,
  ) {}

  /** Validates and stores a unit. An existing unit is already-exists unless `replace`. */
  async submitUnit(name: string, text: string, desired: UnitState, replace: boolean): Promise<UnitView> {
    const record = validateUnit(name, text);
    if (desired !== 'inactive' && parseUnitName(name).isTemplate) {
      throw new DomainError('invalid-argument', `unable to load or start template unit ${name}`);
    }
    const keys = this.keys;
    const exists = (await this.client.get(keys.unit(name), { countOnly: true })).count > 0n;
    if (!exists) {
      const count = (await this.client.get(keys.units, { prefix: true, countOnly: true })).count;
      if (count >= BigInt(this.limits.unitsMax)) {
        throw new DomainError(
          'resource-exhausted',
          `too many units: the registry holds at most ${this.limits.unitsMax}`,
        );
      }
    }
    const create = await this.client
      .txn()
      .if(compare.version(keys.unit(name), '=', 0))
      .andThen(op.put(keys.unit(name), encodeRecord(record)), op.put(keys.desired(name), desired))
      .commit();
    if (!create.succeeded) {
      if (!replace) throw new DomainError('already-exists', `unit ${name} already exists`);
      await this.client.put(keys.unit(name), encodeRecord(record));
      if (desired !== 'inactive') await this.raiseDesired(name, desired);
    }
    return this.getUnit(name);
  }

  /** Sets the desired state (load/start raise it, stop/unload lower it: fleet's transitions). */
  async setDesiredState(name: string, desired: UnitState): Promise<UnitView> {
    const current = await this.client.getString(this.keys.desired(name));
    const exists = (await this.client.getKv(this.keys.unit(name))) !== undefined;
    if (!exists) throw new DomainError('not-found', `unit ${name} does not exist`);
    if (desired !== 'inactive' && parseUnitName(name).isTemplate) {
      throw new DomainError('invalid-argument', `unable to load or start template unit ${name}`);
    }
    if (current !== desired) {
      const result = await this.client
        .txn()
        .if(compare.version(this.keys.unit(name), '>', 0))
        .andThen(op.put(this.keys.desired(name), desired))
        .commit();
      if (!result.succeeded) throw new DomainError('not-found', `unit ${name} does not exist`);
    }
    return this.getUnit(name);
  }

  private async raiseDesired(name: string, desired: UnitState): Promise<void> {
    const current = await this.client.getString(this.keys.desired(name));
    const command = desired === 'launched' ? 'start' : 'load';
    const outcome = applyCommand(command, (current as UnitState | undefined) ?? 'inactive');
    if (outcome.kind === 'set' && outcome.desired !== 'destroyed') {
      await this.client.put(this.keys.desired(name), outcome.desired);
    }
  }

  async destroyUnit(name: string): Promise<void> {
    const keys = this.keys;
    const result = await this.client
      .txn()
      .if(compare.version(keys.unit(name), '>', 0))
      .andThen(op.delete(keys.unit(name)), op.delete(keys.desired(name)))
      .commit();
    if (!result.succeeded) throw new DomainError('not-found', `unit ${name} does not exist`);
  }

  /** One unit: its keys, its unplaced reason and the schedule's keys only (no unit files of others). */
  async getUnit(name: string): Promise<UnitView> {
    const keys = this.keys;
    const result = await this.client
      .txn()
      .andThen(
        op.get(keys.unit(name)),
        op.get(keys.desired(name)),
        op.get(keys.unplaced(name)),
        op.get(keys.scheduleAll, { prefix: true, keysOnly: true }),
        op.get(keys.statesOf(name), { prefix: true }),
      )
      .commit();
    const [unitKv, desiredKv, unplacedKv] = result.responses.map((r) =>
      r.type === 'range' ? r.range.kvs[0] : undefined,
    );
    const record = unitKv ? decodeUnitRecord(unitKv.valueString) : undefined;
    if (!record) throw new DomainError('not-found', `unit ${name} does not exist`);
    const desired = decodeDesiredState(desiredKv?.valueString ?? '') ?? 'inactive';
    const scheduleKvs = result.responses[3]?.type === 'range' ? result.responses[3].range.kvs : [];
    const machines: string[] = [];
    for (const kv of scheduleKvs) {
      const parsed = keys.parseSchedule(kv.keyString);
      if (parsed && parsed[1] === name) machines.push(parsed[0]);
    }
    const stateKvs = result.responses[4]?.type === 'range' ? result.responses[4].range.kvs : [];
    const placement = { machines, unplacedReason: unplacedKv?.valueString ?? '' };
    return unitView(placement, name, { record, desired }, this.decodeStates(stateKvs, {}));
  }

  async unitText(name: string): Promise<string> {
    return (await this.getUnit(name)).text;
  }

  async listUnits(): Promise<UnitView[]> {
    const state = await readClusterState(this.client, this.keys);
    const reports = groupBy(await this.reportedStates({}), (r) => r.name);
    return [...state.units.keys()].sort().map((name) => {
      const unit = state.units.get(name);
      if (!unit) throw new Error('unit vanished from its own snapshot');
      return unitView(placementIn(state, name), name, unit, reports.get(name) ?? []);
    });
  }

  async reportedStates(filter: { machineId?: string; unitName?: string }): Promise<ReportedState[]> {
    const prefix = filter.unitName ? this.keys.statesOf(filter.unitName) : this.keys.statesAll;
    const result = await this.client.get(prefix, { prefix: true });
    return this.decodeStates(result.kvs, filter);
  }

  private decodeStates(kvs: readonly KeyValue[], filter: { machineId?: string; unitName?: string }): ReportedState[] {
    const out: ReportedState[] = [];
    for (const kv of kvs) {
      const parsed = this.keys.parseState(kv.keyString);
      const record = decodeUnitStateRecord(kv.valueString);
      if (!parsed || !record) continue;
      const [name, machineId] = parsed;
      if (filter.unitName && name !== filter.unitName) continue;
      if (filter.machineId && !machineId.startsWith(filter.machineId)) continue;
      out.push({ ...record, name, machineId });
    }
    return out.sort((a, b) => cmp(a.name, b.name) || cmp(a.machineId, b.machineId));
  }

  async clusterState(): Promise<ClusterState> {
    return readClusterState(this.client, this.keys);
  }

  async listMachines(): Promise<MachineView[]> {
    return machineViews(await readClusterState(this.client, this.keys));
  }

  /** A live machine by full or unambiguous short ID. */
  async machine(id: string): Promise<MachineView> {
    const machines = await this.listMachines();
    const found = machines.filter((m) => matchesMachineId(m, id) || m.id.startsWith(id));
    if (found.length === 0 || id === '') throw new DomainError('not-found', `machine ${id} not found`);
    if (found.length > 1) throw new DomainError('invalid-argument', `machine ID ${id} is ambiguous`);
    return found[0] as MachineView;
  }

  async setDrained(id: string, drained: boolean): Promise<MachineView> {
    const machine = await this.machine(id);
    if (drained) await this.client.put(this.keys.drained(machine.id), 'true');
    else await this.client.delete(this.keys.drained(machine.id));
    return this.machine(machine.id);
  }

  async setMetadata(id: string, set: Record<string, string>, remove: readonly string[]): Promise<MachineView> {
    const machine = await this.machine(id);
    const key = this.keys.metadata(machine.id);
    const existing = decodeMetadata((await this.client.getString(key)) ?? '{}') ?? {};
    const next: Record<string, string> = { ...existing, ...set };
    for (const name of remove) delete next[name];
    await this.client.put(key, JSON.stringify(next));
    return this.machine(machine.id);
  }
}

/** Parses everything about a unit the API accepts, throwing invalid-argument with the reason. */
export function validateUnit(name: string, text: string): UnitRecord {
  try {
    parseUnitName(name);
    const file = parseUnitFile(text);
    parseXFleet(name, file);
    return { name, text, hash: unitHash(file) };
  } catch (err) {
    if (err instanceof UnitNameError || err instanceof UnitParseError || err instanceof XFleetError) {
      throw new DomainError('invalid-argument', `${name}: ${err.message}`);
    }
    throw err;
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key) ?? [];
    list.push(item);
    out.set(key, list);
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
