/**
 * The engine's pass as a pure function: a consistent registry read in, the schedule and
 * unplaced-reason writes out (a diff against what is stored, so a pass over its own output
 * writes nothing). Placement itself is `plan()`.
 */
import type { ClusterState } from '../registry/cluster-state.js';
import type { RegistryKeys } from '../registry/keys.js';
import type { SchedulerUnit } from '../scheduler/machine.js';
import { type Plan, plan } from '../scheduler/plan.js';
import { parseUnitName } from '../unit/unit-name.js';
import type { XFleetRequirements } from '../unit/x-fleet.js';

export type KvWrite =
  | { readonly kind: 'put'; readonly key: string; readonly value: string }
  | { readonly kind: 'delete'; readonly key: string };

export interface EnginePass {
  readonly plan: Plan;
  readonly writes: readonly KvWrite[];
}

/** Parsed requirements of a unit record; undefined when its file does not parse (API lets none in). */
export type RequirementsOf = (name: string, text: string, hash: string) => XFleetRequirements | undefined;

export function reconcile(state: ClusterState, keys: RegistryKeys, requirementsOf: RequirementsOf): EnginePass {
  const units: SchedulerUnit[] = [];
  const reasons = new Map<string, string>();
  for (const [name, u] of state.units) {
    if (parseUnitName(name).isTemplate) continue;
    const requirements = requirementsOf(name, u.record.text, u.record.hash);
    if (!requirements) {
      if (u.desired !== 'inactive') reasons.set(name, 'unit file does not parse');
      continue;
    }
    units.push({ name, desiredState: u.desired, requirements });
  }
  const current = new Map<string, string>();
  for (const [unit, machines] of state.schedule) {
    const first = [...machines].sort()[0];
    if (first !== undefined) current.set(unit, first);
  }
  const result = plan(units, state.machines, current);
  for (const u of result.unplaced) reasons.set(u.unit, u.reason);

  const writes: KvWrite[] = [];
  const hashOf = (unit: string): string => state.units.get(unit)?.record.hash ?? '';
  for (const [unit, machines] of state.schedule) {
    for (const machineId of machines) {
      if (result.assignments.get(unit) !== machineId)
        writes.push({ kind: 'delete', key: keys.schedule(machineId, unit) });
    }
  }
  for (const [unit, machineId] of result.assignments) {
    if (!state.schedule.get(unit)?.includes(machineId)) {
      writes.push({ kind: 'put', key: keys.schedule(machineId, unit), value: hashOf(unit) });
    }
  }
  for (const [unit, reason] of reasons) {
    if (state.unplaced.get(unit) !== reason) writes.push({ kind: 'put', key: keys.unplaced(unit), value: reason });
  }
  for (const unit of state.unplaced.keys()) {
    if (!reasons.has(unit)) writes.push({ kind: 'delete', key: keys.unplaced(unit) });
  }
  return { plan: result, writes };
}
