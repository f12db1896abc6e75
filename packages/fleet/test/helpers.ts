import type { Machine, SchedulerUnit } from '../src/scheduler/machine.js';
import type { DesiredState } from '../src/unit/states.js';
import { noRequirements, type XFleetRequirements } from '../src/unit/x-fleet.js';

/** A 32-hex machine ID whose first characters spell `tag` (hex only). */
export function machineId(tag: string): string {
  return tag.padEnd(32, '0');
}

export function machine(tag: string, options: { metadata?: Record<string, string>; drained?: boolean } = {}): Machine {
  return {
    id: machineId(tag),
    publicIp: '10.0.0.1',
    metadata: options.metadata ?? {},
    drained: options.drained ?? false,
  };
}

export interface UnitSpec {
  desiredState?: DesiredState;
  machineId?: string;
  machineOf?: string[];
  metadata?: Record<string, string[]>;
  conflicts?: string[];
  replaces?: string[];
  global?: boolean;
}

export function unit(name: string, spec: UnitSpec = {}): SchedulerUnit {
  const requirements: XFleetRequirements = {
    ...noRequirements,
    ...(spec.machineId === undefined ? {} : { machineId: spec.machineId }),
    machineOf: spec.machineOf ?? [],
    machineMetadata: new Map(Object.entries(spec.metadata ?? {}).map(([k, v]) => [k, new Set(v)])),
    conflicts: spec.conflicts ?? [],
    replaces: spec.replaces ?? [],
    global: spec.global ?? false,
  };
  return { name, desiredState: spec.desiredState ?? 'launched', requirements };
}
