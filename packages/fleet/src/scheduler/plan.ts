/**
 * The engine's decision, as a pure function: given every unit, every live machine and the
 * current schedule, which units to unschedule and where to schedule the rest.
 *
 * Mirrors fleet's reconciler (engine/reconciler.go) and least-loaded scheduler
 * (engine/scheduler.go): scheduled units that may no longer stay are unscheduled first; then
 * each unscheduled unit (desired state loaded or launched) goes to the eligible machine with the
 * fewest units, ties broken by machine ID ascending. Global units are never scheduled here (see
 * `globalTargets`) but count toward the load of the machines they run on.
 */
import { ClusterView } from './cluster-view.js';
import { globalTargets } from './global-targets.js';
import { type Machine, matchesMachineId, type SchedulerUnit } from './machine.js';

export type PlanAction =
  | { readonly kind: 'unschedule'; readonly unit: string; readonly machineId: string; readonly reason: string }
  | { readonly kind: 'schedule'; readonly unit: string; readonly machineId: string };

export interface Unplaced {
  readonly unit: string;
  readonly reason: string;
}

export interface Plan {
  /** In the order to apply them; a unit may be unscheduled and then scheduled elsewhere. */
  readonly actions: readonly PlanAction[];
  /** Units that want a machine but cannot have one, with the reason. */
  readonly unplaced: readonly Unplaced[];
  /** The schedule after the actions: unit name -> machine ID (non-global units only). */
  readonly assignments: ReadonlyMap<string, string>;
}

/** How many times one unit may be displaced by Replaces= in one pass (breaks replace cycles). */
const DISPLACEMENTS_MAX = 2;
/** Machines named in an "unable to place" reason before it says "and N more". */
const REASON_MACHINES_MAX = 5;

export function plan(
  units: readonly SchedulerUnit[],
  machines: readonly Machine[],
  assignments: ReadonlyMap<string, string>,
): Plan {
  const planner = new Planner(units, machines, assignments);
  planner.dropInvalid();
  planner.placePending(units);
  return planner.result();
}

/** One planning pass: the working view plus the actions and refusals it has produced. */
class Planner {
  private readonly view: ClusterView;
  private readonly order: LoadOrder;
  private readonly actions: PlanAction[] = [];
  private readonly unplaced: Unplaced[] = [];
  private readonly displaced = new Map<string, number>();
  private readonly eligibleCount: number;

  constructor(units: readonly SchedulerUnit[], machines: readonly Machine[], assignments: ReadonlyMap<string, string>) {
    this.view = new ClusterView(machines, units);
    for (const u of units) {
      if (u.requirements.global) for (const id of globalTargets(u, machines)) this.view.addGlobalLoad(id);
    }
    // the current schedule, as far as it names things that still exist
    for (const [unit, machineId] of [...assignments].sort(byKey)) {
      const u = this.view.unit(unit);
      if (!u) this.record(unit, machineId, 'unit no longer exists');
      else if (u.requirements.global) this.record(unit, machineId, 'global units are not scheduled by the engine');
      else if (!this.view.slots.has(machineId)) this.record(unit, machineId, `target Machine(${machineId}) went away`);
      else this.view.assign(unit, machineId);
    }
    const eligible = machines.filter((m) => !m.drained).map((m) => m.id);
    this.eligibleCount = eligible.length;
    this.order = new LoadOrder(this.view, eligible);
  }

  result(): Plan {
    const unplaced = this.unplaced.sort((a, b) => cmp(a.unit, b.unit));
    return { actions: this.actions, unplaced, assignments: this.view.assignment };
  }

  private record(unit: string, machineId: string, reason: string): void {
    this.actions.push({ kind: 'unschedule', unit, machineId, reason });
  }

  private unschedule(unit: string, machineId: string, reason: string): void {
    this.view.release(unit);
    this.order.changed(machineId);
    this.record(unit, machineId, reason);
  }

  /** Phase 1: unschedules what may not stay; repeated until stable (a departure can strand a follower). */
  dropInvalid(): void {
    for (let changed = true; changed; ) {
      changed = false;
      for (const [unit, machineId] of [...this.view.assignment].sort(byKey)) {
        const reason = leaveReason(this.view, unit, machineId);
        if (reason) {
          this.unschedule(unit, machineId, reason);
          changed = true;
        }
      }
    }
  }

  /**
   * Phase 2: places every unit that wants a machine, in name order, in rounds: a MachineOf
   * follower whose target is still pending waits for the next round.
   */
  placePending(units: readonly SchedulerUnit[]): void {
    const view = this.view;
    let pending = units
      .filter((u) => !u.requirements.global && u.desiredState !== 'inactive' && !view.assignment.has(u.name))
      .map((u) => u.name)
      .sort();
    while (pending.length > 0) {
      const waiting: string[] = [];
      const open = new Set(pending);
      let progress = false;
      for (let i = 0; i < pending.length; i++) {
        const name = pending[i] as string;
        const u = view.unit(name) as SchedulerUnit;
        const missingPeer = u.requirements.machineOf.find((p) => !view.assignment.has(p));
        if (missingPeer !== undefined) {
          if (open.has(missingPeer)) waiting.push(name);
          else this.unplaced.push({ unit: name, reason: `MachineOf unit ${missingPeer} is not scheduled` });
          continue;
        }
        if (!this.placeOne(u)) continue;
        progress = true;
        for (const victim of this.displacedBy(name)) {
          pending.push(victim);
          open.add(victim);
        }
      }
      if (!progress) {
        for (const name of waiting) {
          const peer = view.unit(name)?.requirements.machineOf.find((p) => !view.assignment.has(p));
          this.unplaced.push({ unit: name, reason: `MachineOf unit ${peer ?? '?'} is not scheduled` });
        }
        return;
      }
      pending = waiting;
    }
  }

  /** Places one unit on its best machine; false (with the reason recorded) when there is none. */
  private placeOne(u: SchedulerUnit): boolean {
    const choice = choose(this.view, this.order, u, this.eligibleCount);
    if (typeof choice !== 'string') {
      this.unplaced.push({ unit: u.name, reason: choice.reason });
      return false;
    }
    this.view.assign(u.name, choice);
    this.order.changed(choice);
    this.actions.push({ kind: 'schedule', unit: u.name, machineId: choice });
    return true;
  }

  /** Unschedules what a just-placed unit replaces; returns the units to place again. */
  private displacedBy(replacer: string): string[] {
    const machineId = this.view.assignment.get(replacer) as string;
    const again: string[] = [];
    for (const victim of displace(this.view, replacer, machineId)) {
      const times = (this.displaced.get(victim.unit) ?? 0) + 1;
      this.displaced.set(victim.unit, times);
      this.unschedule(victim.unit, machineId, victim.reason);
      if (times > DISPLACEMENTS_MAX)
        this.unplaced.push({ unit: victim.unit, reason: 'Replaces= cycle: displaced again' });
      else again.push(victim.unit);
    }
    return again;
  }
}

function leaveReason(view: ClusterView, unit: string, machineId: string): string | undefined {
  const u = view.unit(unit) as SchedulerUnit;
  const slot = view.slots.get(machineId);
  if (u.desiredState === 'inactive') return 'target state inactive';
  if (slot?.machine.drained) return `target Machine(${machineId}) is drained`;
  const rejection = view.ableToRun(unit, machineId);
  return rejection ? `unable to run on Machine(${machineId}): ${view.explain(unit, machineId, rejection)}` : undefined;
}

/** The units a newly placed `replacer` pushes off `machineId`, with their MachineOf followers. */
function displace(view: ClusterView, replacer: string, machineId: string): { unit: string; reason: string }[] {
  const u = view.unit(replacer);
  const slot = view.slots.get(machineId);
  if (!u || !slot || u.requirements.replaces.length === 0) return [];
  const out: { unit: string; reason: string }[] = [];
  const gone = new Set<string>();
  for (const other of [...slot.units].sort()) {
    if (other !== replacer && view.replaces(replacer, other)) {
      out.push({ unit: other, reason: `replaced by ${replacer}` });
      gone.add(other);
    }
  }
  // followers move with their target (repeat for chains of MachineOf)
  for (let grew = true; grew; ) {
    grew = false;
    for (const other of [...slot.units].sort()) {
      if (gone.has(other)) continue;
      const peer = view.unit(other)?.requirements.machineOf.find((p) => gone.has(p));
      if (peer !== undefined) {
        out.push({ unit: other, reason: `MachineOf unit ${peer} was replaced by ${replacer}` });
        gone.add(other);
        grew = true;
      }
    }
  }
  return out;
}

/** Picks the machine for `u`, or says why there is none. */
function choose(
  view: ClusterView,
  order: LoadOrder,
  u: SchedulerUnit,
  eligibleCount: number,
): string | { reason: string } {
  if (eligibleCount === 0) return { reason: 'zero agents available' };
  const r = u.requirements;
  let candidates: Iterable<string>;
  if (r.machineOf.length > 0) {
    const peerMachines = [...new Set(r.machineOf.map((p) => view.assignment.get(p) as string))];
    if (peerMachines.length > 1) {
      return { reason: `MachineOf units are on different machines: ${r.machineOf.join(', ')}` };
    }
    candidates = peerMachines;
  } else if (r.machineId !== undefined) {
    const wanted = r.machineId;
    const matching = order.sorted.filter((id) => matchesMachineId(view.slots.get(id)!.machine, wanted));
    if (matching.length === 0) return { reason: `no eligible machine matches MachineID ${wanted}` };
    candidates = matching;
  } else candidates = order;
  for (const id of candidates) {
    if (view.slots.get(id)?.machine.drained) continue;
    if (view.ableToRun(u.name, id) === undefined) return id;
  }
  const all = [...candidates];
  const why = all.slice(0, REASON_MACHINES_MAX).map((id) => {
    const slot = view.slots.get(id);
    if (slot?.machine.drained) return `Machine(${id}): drained`;
    const rejection = view.ableToRun(u.name, id) ?? 'machine-id';
    return `Machine(${id}): ${view.explain(u.name, id, rejection)}`;
  });
  const more = all.length > REASON_MACHINES_MAX ? `; and ${all.length - REASON_MACHINES_MAX} more` : '';
  return { reason: `no agents able to run job: ${why.join('; ')}${more}` };
}

/** Eligible machine IDs kept sorted by (load, id), re-sorted locally when one machine's load changes. */
class LoadOrder {
  private readonly entries: { readonly id: string; readonly slot: { readonly load: number } }[];

  constructor(view: ClusterView, ids: readonly string[]) {
    this.entries = ids.map((id) => ({ id, slot: view.slots.get(id) ?? { load: 0 } }));
    this.entries.sort(before);
  }

  /** Machine IDs, least loaded first (a fresh array: callers may keep it while loads change). */
  get sorted(): string[] {
    return this.entries.map((e) => e.id);
  }

  /** Iterates machine IDs least loaded first, without copying. */
  *[Symbol.iterator](): Iterator<string> {
    for (const e of this.entries) yield e.id;
  }

  changed(id: string): void {
    const s = this.entries;
    let i = s.findIndex((e) => e.id === id);
    if (i === -1) return;
    const moved = s[i] as (typeof s)[number];
    while (i + 1 < s.length && before(moved, s[i + 1] as typeof moved) > 0) {
      s[i] = s[i + 1] as typeof moved;
      i++;
    }
    while (i > 0 && before(s[i - 1] as typeof moved, moved) > 0) {
      s[i] = s[i - 1] as typeof moved;
      i--;
    }
    s[i] = moved;
  }
}

function before(a: { id: string; slot: { load: number } }, b: { id: string; slot: { load: number } }): number {
  return a.slot.load - b.slot.load || cmp(a.id, b.id);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byKey(a: [string, string], b: [string, string]): number {
  return cmp(a[0], b[0]);
}
