import { type Machine, matchesMetadata, type SchedulerUnit } from './machine.js';

/**
 * The machines a global unit runs on: every machine that is not drained and matches its
 * MachineMetadata (Global= cannot be combined with MachineID, MachineOf, Conflicts or Replaces,
 * so nothing else applies). Agents call this for themselves; the engine uses it only to count
 * load. Sorted by machine ID; empty when the unit's desired state is inactive.
 */
export function globalTargets(unit: SchedulerUnit, machines: readonly Machine[]): string[] {
  if (!unit.requirements.global || unit.desiredState === 'inactive') return [];
  return machines
    .filter((m) => !m.drained && matchesMetadata(m, unit.requirements.machineMetadata))
    .map((m) => m.id)
    .sort();
}
