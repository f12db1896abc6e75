import type { DesiredState } from '../unit/states.js';
import type { XFleetRequirements } from '../unit/x-fleet.js';

/** A machine in the cluster as the scheduler sees it. */
export interface Machine {
  /** 32-hex machine ID (/etc/machine-id). */
  readonly id: string;
  readonly publicIp: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Drained machines get no new units and lose the ones they have. */
  readonly drained: boolean;
}

/** A unit as the scheduler sees it: its name, desired state and parsed [X-Fleet] requirements. */
export interface SchedulerUnit {
  readonly name: string;
  readonly desiredState: DesiredState;
  readonly requirements: XFleetRequirements;
}

export const SHORT_ID_LENGTH = 8;

/** fleet's `MatchID`: the full machine ID, or its first 8 characters. */
export function matchesMachineId(machine: Machine, wanted: string): boolean {
  return (
    machine.id === wanted || (wanted.length === SHORT_ID_LENGTH && machine.id.slice(0, SHORT_ID_LENGTH) === wanted)
  );
}

/** Every required key present with one of its accepted values. */
export function matchesMetadata(machine: Machine, required: XFleetRequirements['machineMetadata']): boolean {
  for (const [key, values] of required) {
    const have = machine.metadata[key];
    if (have === undefined || !values.has(have)) return false;
  }
  return true;
}

export function describeMetadata(required: XFleetRequirements['machineMetadata']): string {
  return [...required].map(([key, values]) => `${key}=${[...values].join('|')}`).join(',');
}

/**
 * Parses fleet's machine metadata setting (`metadata` in fleet.conf, FLEET_METADATA):
 * comma-separated `key=value` pairs, whitespace around them ignored. Throws on a pair without
 * a key or a value, naming it.
 */
export function parseMachineMetadata(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(',')) {
    const pair = raw.trim();
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq === -1 ? '' : pair.slice(0, eq).trim();
    const value = eq === -1 ? '' : pair.slice(eq + 1).trim();
    if (key === '' || value === '') throw new Error(`invalid metadata ${JSON.stringify(pair)}: want key=value`);
    out[key] = value;
  }
  return out;
}
