import { globMatch } from '../unit/glob.js';
import { describeMetadata, type Machine, matchesMachineId, matchesMetadata, type SchedulerUnit } from './machine.js';
import { PatternIndex } from './pattern-index.js';

/** Why a unit cannot run on a machine, in the order fleet checks (agent/state.go AbleToRun). */
export type Rejection = 'machine-id' | 'metadata' | 'peers' | 'conflicts' | 'replaced';

interface MachineSlot {
  readonly machine: Machine;
  readonly units: Set<string>;
  load: number;
  /** per conflict pattern: units here whose name matches it */
  readonly nameHits: Int32Array;
  /** per conflict pattern: units here that carry it in Conflicts= */
  readonly holders: Int32Array;
  /** units here with a Replaces= */
  readonly replacers: Set<string>;
}

interface UnitInfo {
  readonly unit: SchedulerUnit;
  readonly conflictIds: readonly number[];
  readonly nameMatchers: readonly number[];
}

/**
 * The scheduler's working state during one planning pass: who is where, each machine's load,
 * and per-machine counters that make the constraint checks cheap. Mutated by `assign` and
 * `release`; `ableToRun` is fleet's AbleToRun.
 */
export class ClusterView {
  readonly slots = new Map<string, MachineSlot>();
  readonly assignment = new Map<string, string>();
  private readonly infos = new Map<string, UnitInfo>();
  private readonly patterns = new PatternIndex();

  constructor(machines: readonly Machine[], units: readonly SchedulerUnit[]) {
    for (const u of units) for (const p of u.requirements.conflicts) this.patterns.idOf(p);
    const size = this.patterns.size;
    for (const m of machines) {
      this.slots.set(m.id, {
        machine: m,
        units: new Set(),
        load: 0,
        nameHits: new Int32Array(size),
        holders: new Int32Array(size),
        replacers: new Set(),
      });
    }
    for (const unit of units) {
      this.infos.set(unit.name, {
        unit,
        conflictIds: unit.requirements.conflicts.map((p) => this.patterns.idOf(p)),
        nameMatchers: this.patterns.matchersOf(unit.name),
      });
    }
  }

  unit(name: string): SchedulerUnit | undefined {
    return this.infos.get(name)?.unit;
  }

  assign(name: string, machineId: string): void {
    const slot = this.slots.get(machineId);
    const info = this.infos.get(name);
    if (!slot || !info) throw new Error(`assign: unknown unit ${name} or machine ${machineId}`);
    this.assignment.set(name, machineId);
    slot.units.add(name);
    slot.load++;
    for (const id of info.nameMatchers) slot.nameHits[id]!++;
    for (const id of info.conflictIds) slot.holders[id]!++;
    if (info.unit.requirements.replaces.length > 0) slot.replacers.add(name);
  }

  release(name: string): void {
    const machineId = this.assignment.get(name);
    if (machineId === undefined) return;
    this.assignment.delete(name);
    const slot = this.slots.get(machineId);
    const info = this.infos.get(name);
    if (!slot || !info) return;
    slot.units.delete(name);
    slot.load--;
    for (const id of info.nameMatchers) slot.nameHits[id]!--;
    for (const id of info.conflictIds) slot.holders[id]!--;
    slot.replacers.delete(name);
  }

  /** Counts a global unit toward the load of a machine it runs on (fleet counts those too). */
  addGlobalLoad(machineId: string): void {
    const slot = this.slots.get(machineId);
    if (slot) slot.load++;
  }

  /** Whether `replacer` displaces `name` (a circular pair displaces neither). */
  replaces(replacer: string, name: string): boolean {
    const r = this.infos.get(replacer)?.unit.requirements.replaces ?? [];
    if (!r.some((p) => globMatch(p, name))) return false;
    const back = this.infos.get(name)?.unit.requirements.replaces ?? [];
    return !back.some((p) => globMatch(p, replacer));
  }

  /** fleet's AbleToRun for `name` on `machineId`, whether or not the unit is already there. */
  ableToRun(name: string, machineId: string): Rejection | undefined {
    const info = this.infos.get(name);
    const slot = this.slots.get(machineId);
    if (!info || !slot) return 'machine-id';
    const r = info.unit.requirements;
    if (r.machineId !== undefined && !matchesMachineId(slot.machine, r.machineId)) return 'machine-id';
    if (!matchesMetadata(slot.machine, r.machineMetadata)) return 'metadata';
    for (const peer of r.machineOf) if (this.assignment.get(peer) !== machineId) return 'peers';
    const here = this.assignment.get(name) === machineId;
    for (const id of info.conflictIds) {
      const self = here && info.nameMatchers.includes(id) ? 1 : 0;
      if (slot.nameHits[id]! - self > 0) return 'conflicts';
    }
    for (const id of info.nameMatchers) {
      const self = here && info.conflictIds.includes(id) ? 1 : 0;
      if (slot.holders[id]! - self > 0) return 'conflicts';
    }
    for (const replacer of slot.replacers) if (replacer !== name && this.replaces(replacer, name)) return 'replaced';
    return undefined;
  }

  /** A human reason for a rejection, naming the units or values involved. */
  explain(name: string, machineId: string, rejection: Rejection): string {
    const info = this.infos.get(name);
    const slot = this.slots.get(machineId);
    if (!info || !slot) return `unknown unit or machine`;
    const r = info.unit.requirements;
    const others = [...slot.units].filter((u) => u !== name).sort();
    switch (rejection) {
      case 'machine-id':
        return `requires MachineID ${r.machineId ?? ''}`;
      case 'metadata':
        return `metadata does not match ${describeMetadata(r.machineMetadata)}`;
      case 'peers': {
        const missing = r.machineOf.filter((p) => this.assignment.get(p) !== machineId);
        return `MachineOf unit(s) not here: ${missing.join(', ')}`;
      }
      case 'conflicts': {
        const mine = r.conflicts;
        const hit = others.find(
          (o) =>
            mine.some((p) => globMatch(p, o)) ||
            (this.infos.get(o)?.unit.requirements.conflicts ?? []).some((p) => globMatch(p, name)),
        );
        return `conflicts with ${hit ?? 'a unit here'}`;
      }
      case 'replaced': {
        const by = others.find((o) => this.replaces(o, name));
        return `replaced by ${by ?? 'a unit here'}`;
      }
    }
  }
}
