/** Conversions between the registry's read models and fleet.v1 messages. */
import { DomainError } from '@coreos-ts/grpc-kit';
import { fleetpb } from '@coreos-ts/proto';
import type { MachineView, ReportedState, UnitView } from '../registry/unit-views.js';
import type { UnitState } from '../unit/states.js';

const TO_WIRE: Record<UnitState, fleetpb.UnitState> = {
  inactive: fleetpb.UnitState.UNIT_STATE_INACTIVE,
  loaded: fleetpb.UnitState.UNIT_STATE_LOADED,
  launched: fleetpb.UnitState.UNIT_STATE_LAUNCHED,
};

export function stateToWire(state: UnitState): fleetpb.UnitState {
  return TO_WIRE[state];
}

/** UNSPECIFIED maps to `fallback`; unknown numbers are invalid-argument. */
export function stateFromWire(state: fleetpb.UnitState, fallback?: UnitState): UnitState {
  switch (state) {
    case fleetpb.UnitState.UNIT_STATE_INACTIVE:
      return 'inactive';
    case fleetpb.UnitState.UNIT_STATE_LOADED:
      return 'loaded';
    case fleetpb.UnitState.UNIT_STATE_LAUNCHED:
      return 'launched';
    default:
      if (state === fleetpb.UnitState.UNIT_STATE_UNSPECIFIED && fallback) return fallback;
      throw new DomainError('invalid-argument', `desired_state must be inactive, loaded or launched (got ${state})`);
  }
}

export function unitToWire(u: UnitView): fleetpb.Unit {
  return fleetpb.Unit.fromPartial({
    name: u.name,
    options: u.options.map((o) => ({ section: o.section, name: o.name, value: o.value })),
    desiredState: stateToWire(u.desired),
    currentState: stateToWire(u.current),
    machineId: u.machineId,
    hash: u.hash,
    global: u.global,
    unplacedReason: u.unplacedReason,
  });
}

export function machineToWire(m: MachineView): fleetpb.Machine {
  return fleetpb.Machine.fromPartial({
    id: m.id,
    publicIp: m.publicIp,
    metadata: { ...m.metadata },
    drained: m.drained,
    unitCount: m.unitCount,
  });
}

export function unitStateToWire(s: ReportedState): fleetpb.UnitRuntimeState {
  return fleetpb.UnitRuntimeState.fromPartial({
    name: s.name,
    hash: s.hash,
    machineId: s.machineId,
    loadState: s.load,
    activeState: s.active,
    subState: s.sub,
    pid: s.pid ?? 0,
    containerId: s.containerId ?? '',
    exitCode: s.exitCode ?? 0,
    message: s.message ?? '',
  });
}

/** The page of `items` (sorted by `keyOf`) after `token`, at most `pageSize` (0: default) long. */
export function page<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  pageSize: number,
  token: string,
): { items: T[]; next: string } {
  const size = pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(pageSize, PAGE_SIZE_MAX);
  const start = token === '' ? 0 : items.findIndex((item) => keyOf(item) > token);
  const from = start === -1 ? items.length : start;
  const slice = items.slice(from, from + size);
  const last = slice[slice.length - 1];
  const next = from + size < items.length && last !== undefined ? keyOf(last) : '';
  return { items: slice, next };
}

/** fleet's token_limit. */
export const DEFAULT_PAGE_SIZE = 100;
export const PAGE_SIZE_MAX = 10_000;
