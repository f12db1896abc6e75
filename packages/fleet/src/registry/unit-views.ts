/**
 * Read models for the API: a unit with its desired and current state, its machine and its
 * unplaced reason; machines with their unit counts. Pure functions over a ClusterState and the
 * agents' reported states.
 */
import { globalTargets } from '../scheduler/global-targets.js';
import { currentState, type UnitState } from '../unit/states.js';
import { parseUnitFile, type UnitOption } from '../unit/unit-file.js';
import { parseXFleet, type XFleetRequirements } from '../unit/x-fleet.js';
import type { ClusterState, RegisteredMachine, RegisteredUnit } from './cluster-state.js';
import type { UnitStateRecord } from './records.js';

export interface ReportedState extends UnitStateRecord {
  readonly name: string;
  readonly machineId: string;
}

export interface UnitView {
  readonly name: string;
  readonly hash: string;
  readonly text: string;
  readonly options: readonly UnitOption[];
  readonly desired: UnitState;
  readonly current: UnitState;
  /** empty when unplaced or global */
  readonly machineId: string;
  readonly global: boolean;
  readonly unplacedReason: string;
}

export interface MachineView extends RegisteredMachine {
  readonly unitCount: number;
}

function requirements(name: string, options: readonly UnitOption[]): XFleetRequirements | undefined {
  try {
    return parseXFleet(name, { options });
  } catch {
    return undefined;
  }
}

/** What the engine stored about one unit: the machines it is scheduled on, its unplaced reason. */
export interface UnitPlacement {
  readonly machines: readonly string[];
  readonly unplacedReason: string;
}

export function placementIn(state: ClusterState, name: string): UnitPlacement {
  return { machines: state.schedule.get(name) ?? [], unplacedReason: state.unplaced.get(name) ?? '' };
}

export function unitView(
  placement: UnitPlacement,
  name: string,
  unit: RegisteredUnit,
  reports: readonly ReportedState[],
): UnitView {
  let options: readonly UnitOption[] = [];
  try {
    options = parseUnitFile(unit.record.text).options;
  } catch {
    // stored files were validated on submit; a broken one shows without options
  }
  const global = requirements(name, options)?.global ?? false;
  const machineId = global ? '' : ([...placement.machines].sort()[0] ?? '');
  let current: UnitState;
  if (global) {
    current = reports.some((r) => r.launched) ? 'launched' : reports.length > 0 ? 'loaded' : 'inactive';
  } else {
    const launchedOn = reports.find((r) => r.launched)?.machineId;
    current = currentState({
      ...(machineId === '' ? {} : { targetMachineId: machineId }),
      reportedBy: new Set(reports.map((r) => r.machineId)),
      ...(launchedOn === undefined ? {} : { launchedOn }),
    });
  }
  return {
    name,
    hash: unit.record.hash,
    text: unit.record.text,
    options,
    desired: unit.desired,
    current,
    machineId,
    global,
    unplacedReason: placement.unplacedReason,
  };
}

export function machineViews(state: ClusterState): MachineView[] {
  const counts = new Map<string, number>();
  for (const machines of state.schedule.values()) {
    for (const id of machines) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  for (const [name, unit] of state.units) {
    let options: readonly UnitOption[];
    try {
      options = parseUnitFile(unit.record.text).options;
    } catch {
      continue;
    }
    const r = requirements(name, options);
    if (!r?.global) continue;
    for (const id of globalTargets({ name, desiredState: unit.desired, requirements: r }, state.machines)) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return state.machines.map((m) => ({ ...m, unitCount: counts.get(m.id) ?? 0 }));
}
