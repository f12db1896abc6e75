/**
 * Unit states. Three levels, as fleet (Documentation/states.md):
 * - desired state (fleetctl's DSTATE): what the user asked for, set by the commands below;
 * - current state (STATE): what the cluster has done, derived from the schedule and the agents;
 * - runtime state (LOAD/ACTIVE/SUB): what the runtime on the machine reports, verbatim.
 */

export const UNIT_STATES = ['inactive', 'loaded', 'launched'] as const;
/** inactive: known, not placed; loaded: placed and loaded, not started; launched: started. */
export type UnitState = (typeof UNIT_STATES)[number];
export type DesiredState = UnitState;
export type CurrentState = UnitState;

export function isUnitState(value: string): value is UnitState {
  return (UNIT_STATES as readonly string[]).includes(value);
}

export const FLEET_COMMANDS = ['submit', 'load', 'start', 'stop', 'unload', 'destroy'] as const;
export type FleetCommand = (typeof FLEET_COMMANDS)[number];

export type CommandOutcome =
  /** The desired state becomes `desired` (`destroyed`: the unit is removed). */
  | { readonly kind: 'set'; readonly desired: DesiredState | 'destroyed' }
  /** Nothing to do: the unit already is where the command would take it (or further). */
  | { readonly kind: 'noop'; readonly desired: DesiredState }
  | { readonly kind: 'refused'; readonly reason: string };

const RANK: Record<UnitState, number> = { inactive: 0, loaded: 1, launched: 2 };

/**
 * What a fleetctl command does to a unit whose desired state is `desired` (undefined: the unit
 * has not been submitted). submit/load/start submit the unit first when needed and only ever
 * raise the state (start = submit+load+start); stop/unload only lower it (unload = stop+unload);
 * destroy removes the unit from any state.
 */
export function applyCommand(command: FleetCommand, desired: DesiredState | undefined): CommandOutcome {
  if (command === 'destroy') {
    return desired === undefined
      ? { kind: 'refused', reason: 'unit does not exist' }
      : { kind: 'set', desired: 'destroyed' };
  }
  if (command === 'submit' || command === 'load' || command === 'start') {
    const target: UnitState = command === 'submit' ? 'inactive' : command === 'load' ? 'loaded' : 'launched';
    if (desired !== undefined && RANK[desired] >= RANK[target]) return { kind: 'noop', desired };
    return { kind: 'set', desired: target };
  }
  if (desired === undefined) return { kind: 'refused', reason: 'unit does not exist' };
  const target: UnitState = command === 'stop' ? 'loaded' : 'inactive';
  if (RANK[desired] <= RANK[target]) return { kind: 'noop', desired };
  return { kind: 'set', desired: target };
}

/**
 * The cluster's current state of a unit (fleet registry/job_state.go `determineJobState`):
 * inactive without a target machine or without a state reported from it; launched when the
 * agent on the target heartbeats the unit as launched; loaded otherwise.
 */
export function currentState(observed: {
  readonly targetMachineId?: string;
  /** Machines that reported a runtime state for the unit. */
  readonly reportedBy: ReadonlySet<string>;
  /** The machine heartbeating the unit as launched, if any. */
  readonly launchedOn?: string;
}): CurrentState {
  const target = observed.targetMachineId;
  if (target === undefined || !observed.reportedBy.has(target)) return 'inactive';
  return observed.launchedOn === target ? 'launched' : 'loaded';
}

/** The runtime's view of a unit on one machine, the way systemd reports LOAD/ACTIVE/SUB. */
export interface RuntimeUnitState {
  readonly load: 'loaded' | 'not-found' | 'error';
  readonly active: ActiveState;
  /** Finer detail: running, exited, dead, failed, auto-restart, start-pre, stop-sigterm... */
  readonly sub: string;
}

export type ActiveState = 'active' | 'activating' | 'deactivating' | 'inactive' | 'failed';
