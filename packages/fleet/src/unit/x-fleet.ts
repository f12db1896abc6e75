/**
 * The `[X-Fleet]` section: where a unit may run. Parsed once, validated with fleet's rules and
 * fleet's messages (job/job.go, api/units.go); the scheduler only ever sees the typed result.
 */
import { globMatch } from './glob.js';
import { expandSpecifiers } from './specifiers.js';
import type { UnitFile } from './unit-file.js';
import { parseUnitName } from './unit-name.js';
import { splitWords, WordSplitError } from './words.js';

export const X_FLEET_SECTION = 'X-Fleet';

export interface XFleetRequirements {
  /** Full 32-hex machine ID or its 8-character short form; the first value wins. */
  readonly machineId?: string;
  /** Units that must be on the same machine ("peers"). */
  readonly machineOf: readonly string[];
  /** key -> accepted values: one value of every key must match (same key OR, keys AND). */
  readonly machineMetadata: ReadonlyMap<string, ReadonlySet<string>>;
  /** Globs of unit names that must not share a machine with this unit (checked both ways). */
  readonly conflicts: readonly string[];
  /** Globs of unit names this unit displaces from its machine. */
  readonly replaces: readonly string[];
  /** Run on every matching machine, placed by the agents rather than the engine. */
  readonly global: boolean;
}

export type XFleetErrorCode = 'unrecognized-requirement' | 'invalid-value' | 'invalid-combination';

export class XFleetError extends Error {
  override readonly name = 'XFleetError';
  constructor(
    readonly code: XFleetErrorCode,
    message: string,
    /** Line of the offending option, when one option is to blame. */
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

export const noRequirements: XFleetRequirements = {
  machineOf: [],
  machineMetadata: new Map(),
  conflicts: [],
  replaces: [],
  global: false,
};

/** Current keys and the deprecated spellings fleet still accepts, mapped to what they mean. */
const KEYS: Record<string, keyof Collected> = {
  MachineID: 'machineId',
  'X-ConditionMachineID': 'machineId',
  'X-ConditionMachineBootID': 'machineId',
  MachineOf: 'machineOf',
  'X-ConditionMachineOf': 'machineOf',
  MachineMetadata: 'machineMetadata',
  'X-ConditionMachineMetadata': 'machineMetadata',
  Conflicts: 'conflicts',
  'X-Conflicts': 'conflicts',
  Replaces: 'replaces',
  Global: 'global',
};

interface Collected {
  machineId: string[];
  machineOf: string[];
  machineMetadata: string[];
  conflicts: string[];
  replaces: string[];
  global: string[];
}

const MACHINE_ID = /^(?:[0-9a-f]{32}|[0-9a-f]{8})$/;
const TRUTHY = new Set(['true', 'yes', '1', 'on', 't']);

/** fleet's truthy values for Global= (case-insensitive). */
export function isTruthy(value: string): boolean {
  return TRUTHY.has(value.toLowerCase());
}

function words(value: string, line: number): string[] {
  try {
    return splitWords(value);
  } catch (err) {
    if (err instanceof WordSplitError) throw new XFleetError('invalid-value', err.message, line);
    throw err;
  }
}

function collect(unitName: string, file: UnitFile): Collected {
  const unit = parseUnitName(unitName);
  const out: Collected = { machineId: [], machineOf: [], machineMetadata: [], conflicts: [], replaces: [], global: [] };
  for (const option of file.options) {
    if (option.section !== X_FLEET_SECTION) continue;
    const field = KEYS[option.name];
    if (field === undefined) {
      throw new XFleetError(
        'unrecognized-requirement',
        `unrecognized requirement in [X-Fleet] section: ${JSON.stringify(option.name)}`,
        option.line,
      );
    }
    const value = expandSpecifiers(option.value, unit);
    if (value === '') {
      out[field] = [];
      continue;
    }
    if (field === 'machineId' || field === 'global') out[field].push(value.trim());
    else out[field].push(...words(value, option.line));
    if (field === 'machineId' && !MACHINE_ID.test(value.trim())) {
      throw new XFleetError(
        'invalid-value',
        `invalid MachineID ${JSON.stringify(value)}: want a 32-character hex machine ID or its 8-character short form`,
        option.line,
      );
    }
  }
  return out;
}

function metadata(pairs: readonly string[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const pair of pairs) {
    const parts = pair.split('=');
    // fleet ignores anything that is not exactly one non-empty key and one non-empty value
    if (parts.length !== 2 || !parts[0] || !parts[1]) continue;
    const values = out.get(parts[0]) ?? new Set<string>();
    values.add(parts[1]);
    out.set(parts[0], values);
  }
  return out;
}

/**
 * Parses and validates the [X-Fleet] section of `file` for the unit `unitName` (whose name the
 * specifiers expand from). Throws `XFleetError` with fleet's message for unknown keys and for the
 * combinations fleet refuses.
 */
export function parseXFleet(unitName: string, file: UnitFile): XFleetRequirements {
  const c = collect(unitName, file);
  const globalValue = c.global[c.global.length - 1];
  const machineId = c.machineId[0];
  const requirements: XFleetRequirements = {
    ...(machineId === undefined ? {} : { machineId }),
    machineOf: [...new Set(c.machineOf)],
    machineMetadata: metadata(c.machineMetadata),
    conflicts: [...new Set(c.conflicts)],
    replaces: [...new Set(c.replaces)],
    global: globalValue !== undefined && isTruthy(globalValue),
  };
  const problem = requirementsProblem(requirements);
  if (problem) throw new XFleetError('invalid-combination', problem);
  return requirements;
}

/** fleet's reason a set of requirements can never be satisfied, or undefined when it is coherent. */
export function requirementsProblem(r: XFleetRequirements): string | undefined {
  for (const peer of r.machineOf) {
    for (const conflict of r.conflicts) {
      if (globMatch(conflict, peer)) {
        return `unresolvable requirements: peer ${JSON.stringify(peer)} matches conflict ${JSON.stringify(conflict)}`;
      }
    }
    for (const replaced of r.replaces) {
      if (globMatch(replaced, peer)) {
        return `unresolvable requirements: peer ${JSON.stringify(peer)} matches replaced unit ${JSON.stringify(replaced)}`;
      }
    }
  }
  const hasTarget = r.machineId !== undefined;
  const hasPeers = r.machineOf.length > 0;
  const hasConflicts = r.conflicts.length > 0;
  const hasReplaces = r.replaces.length > 0;
  if (hasTarget && hasPeers) return 'MachineID cannot be used with Peers';
  if (hasTarget && hasConflicts) return 'MachineID cannot be used with Conflicts';
  if (hasTarget && r.global) return 'MachineID cannot be used with Global';
  if (hasTarget && hasReplaces) return 'MachineID cannot be used with Replaces';
  if (r.global && hasPeers) return 'Global cannot be used with Peers';
  if (r.global && hasConflicts) return 'Global cannot be used with Conflicts';
  if (r.global && hasReplaces) return 'Global cannot be used with Replaces';
  if (hasConflicts && hasReplaces) return 'Conflicts cannot be used with Replaces';
  return undefined;
}
