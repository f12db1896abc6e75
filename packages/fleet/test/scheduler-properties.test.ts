import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globalTargets } from '../src/scheduler/global-targets.js';
import { type Machine, matchesMachineId, matchesMetadata, type SchedulerUnit } from '../src/scheduler/machine.js';
import { plan } from '../src/scheduler/plan.js';
import { globMatch } from '../src/unit/glob.js';
import { requirementsProblem } from '../src/unit/x-fleet.js';
import { machine, type UnitSpec, unit } from './helpers.js';

const TAGS = ['a', 'b', 'c', 'd', 'e', 'f'];
const NAMES = ['web@1', 'web@2', 'web@3', 'db@1', 'db@2', 'cache', 'log', 'api@x', 'api@y'].map((n) => `${n}.service`);
const GLOBS = ['web@*.service', 'db@*.service', 'cache.service', 'api@?.service', '*.service', 'log.service'];

const machinesArb = fc
  .uniqueArray(
    fc.record({
      tag: fc.constantFrom(...TAGS),
      region: fc.constantFrom('us', 'eu'),
      drained: fc.boolean(),
    }),
    { selector: (m) => m.tag, minLength: 0, maxLength: 5 },
  )
  .map((ms) => ms.map((m) => machine(m.tag, { metadata: { region: m.region }, drained: m.drained })));

function specArb(withReplaces: boolean, withPeers: boolean): fc.Arbitrary<UnitSpec> {
  return fc.record(
    {
      desiredState: fc.constantFrom('inactive', 'loaded', 'launched', 'launched'),
      machineId: fc.constantFrom(...TAGS.map((t) => machine(t).id), machine('a').id.slice(0, 8), 'deadbeef'),
      metadata: fc.constantFrom({ region: ['us'] }, { region: ['eu'] }, { region: ['us', 'eu'] }, { zone: ['z'] }),
      conflicts: fc.subarray(GLOBS, { maxLength: 2 }),
      replaces: withReplaces ? fc.subarray(GLOBS, { maxLength: 1 }) : fc.constant([]),
      machineOf: withPeers ? fc.subarray(NAMES, { maxLength: 1 }) : fc.constant([]),
      global: fc.boolean(),
    },
    { requiredKeys: ['desiredState'] },
  );
}

function unitsArb(withReplaces: boolean, withPeers: boolean): fc.Arbitrary<SchedulerUnit[]> {
  return fc
    .uniqueArray(fc.tuple(fc.constantFrom(...NAMES), specArb(withReplaces, withPeers)), {
      selector: ([n]) => n,
      maxLength: NAMES.length,
    })
    .map((pairs) =>
      pairs
        .map(([name, spec]) => unit(name, { ...spec, machineOf: (spec.machineOf ?? []).filter((p) => p !== name) }))
        .filter((u) => requirementsProblem(u.requirements) === undefined),
    );
}

const assignmentsArb = fc.array(
  fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...TAGS.map((t) => machine(t).id))),
  {
    maxLength: 8,
  },
);

const conflicting = (a: SchedulerUnit, b: SchedulerUnit): boolean =>
  a.requirements.conflicts.some((p) => globMatch(p, b.name)) ||
  b.requirements.conflicts.some((p) => globMatch(p, a.name));

const replacing = (r: SchedulerUnit, v: SchedulerUnit): boolean =>
  r.requirements.replaces.some((p) => globMatch(p, v.name)) &&
  !v.requirements.replaces.some((p) => globMatch(p, r.name));

/** Checks every invariant of a plan's resulting schedule against the raw inputs. */
function checkInvariants(units: SchedulerUnit[], machines: Machine[], assignments: Map<string, string>) {
  const result = plan(units, machines, assignments);
  const byName = new Map(units.map((u) => [u.name, u]));
  const byId = new Map(machines.map((m) => [m.id, m]));
  for (const action of result.actions) {
    if (action.kind === 'schedule') expect(byId.get(action.machineId)?.drained).toBe(false);
  }
  const placedOn = new Map<string, SchedulerUnit[]>();
  for (const [name, id] of result.assignments) {
    const u = byName.get(name);
    const m = byId.get(id);
    expect(u, `${name} exists`).toBeDefined();
    expect(m, `${id} exists`).toBeDefined();
    if (!u || !m) continue;
    expect(u.desiredState).not.toBe('inactive');
    expect(u.requirements.global).toBe(false);
    expect(m.drained).toBe(false);
    expect(matchesMetadata(m, u.requirements.machineMetadata)).toBe(true);
    if (u.requirements.machineId) expect(matchesMachineId(m, u.requirements.machineId)).toBe(true);
    for (const peer of u.requirements.machineOf) expect(result.assignments.get(peer)).toBe(id);
    placedOn.set(id, [...(placedOn.get(id) ?? []), u]);
  }
  for (const [id, here] of placedOn) {
    for (const a of here) {
      for (const b of here) {
        if (a === b) continue;
        expect(conflicting(a, b), `${a.name} and ${b.name} conflict on ${id}`).toBe(false);
        expect(replacing(a, b), `${a.name} replaces ${b.name} on ${id}`).toBe(false);
      }
    }
  }
  // every unit that wants a machine is placed or explained, never both
  const unplaced = new Set(result.unplaced.map((u) => u.unit));
  for (const u of units) {
    const wants = !u.requirements.global && u.desiredState !== 'inactive';
    expect(result.assignments.has(u.name) || unplaced.has(u.name)).toBe(wants);
    expect(result.assignments.has(u.name) && unplaced.has(u.name)).toBe(false);
  }
  // the actions, replayed onto the input, give the reported schedule
  const replay = new Map(assignments);
  for (const action of result.actions) {
    if (action.kind === 'unschedule') {
      expect(replay.get(action.unit)).toBe(action.machineId);
      replay.delete(action.unit);
    } else {
      expect(replay.has(action.unit)).toBe(false);
      replay.set(action.unit, action.machineId);
    }
  }
  expect(replay).toEqual(result.assignments);
  return result;
}

/** The naive model: one unit at a time in name order, every machine re-sorted and re-checked. */
function naivePlan(units: SchedulerUnit[], machines: Machine[]): Map<string, string> {
  const where = new Map<string, string>();
  const load = new Map(machines.map((m) => [m.id, 0]));
  for (const g of units) for (const id of globalTargets(g, machines)) load.set(id, (load.get(id) ?? 0) + 1);
  const todo = units.filter((u) => !u.requirements.global && u.desiredState !== 'inactive');
  for (const u of [...todo].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const candidates = machines
      .filter((m) => !m.drained)
      .sort((a, b) => (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || (a.id < b.id ? -1 : 1));
    const chosen = candidates.find(
      (m) =>
        (!u.requirements.machineId || matchesMachineId(m, u.requirements.machineId)) &&
        matchesMetadata(m, u.requirements.machineMetadata) &&
        !units.some((o) => where.get(o.name) === m.id && conflicting(u, o)),
    );
    if (chosen) {
      where.set(u.name, chosen.id);
      load.set(chosen.id, (load.get(chosen.id) ?? 0) + 1);
    }
  }
  return where;
}

describe('plan properties', () => {
  it('every constraint holds after any plan, and the actions replay to its schedule', () => {
    fc.assert(
      fc.property(unitsArb(true, true), machinesArb, assignmentsArb, (units, machines, current) => {
        checkInvariants(units, machines, new Map(current));
      }),
      { numRuns: 500 },
    );
  });

  it('from an empty schedule it places exactly as the naive least-loaded model', () => {
    fc.assert(
      fc.property(unitsArb(false, false), machinesArb, (units, machines) => {
        const result = plan(units, machines, new Map());
        expect(result.assignments).toEqual(naivePlan(units, machines));
      }),
      { numRuns: 500 },
    );
  });

  it('is a fixed point: planning its own schedule again unschedules nothing', () => {
    fc.assert(
      fc.property(unitsArb(true, true), machinesArb, assignmentsArb, (units, machines, current) => {
        const first = plan(units, machines, new Map(current));
        const second = checkInvariants(units, machines, new Map(first.assignments));
        expect(second.actions.filter((a) => a.kind === 'unschedule')).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('without Replaces a second plan does nothing at all', () => {
    fc.assert(
      fc.property(unitsArb(false, true), machinesArb, assignmentsArb, (units, machines, current) => {
        const first = plan(units, machines, new Map(current));
        expect(plan(units, machines, new Map(first.assignments)).actions).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('plan over a changing cluster (seeded sequences)', () => {
  type Event =
    | { kind: 'join'; tag: string; region: string }
    | { kind: 'leave'; tag: string }
    | { kind: 'drain'; tag: string; drained: boolean }
    | { kind: 'submit'; unit: SchedulerUnit }
    | { kind: 'destroy'; name: string };

  const eventArb: fc.Arbitrary<Event> = fc.oneof(
    fc.record({
      kind: fc.constant('join' as const),
      tag: fc.constantFrom(...TAGS),
      region: fc.constantFrom('us', 'eu'),
    }),
    fc.record({ kind: fc.constant('leave' as const), tag: fc.constantFrom(...TAGS) }),
    fc.record({ kind: fc.constant('drain' as const), tag: fc.constantFrom(...TAGS), drained: fc.boolean() }),
    unitsArb(true, true).map((us) => ({ kind: 'submit' as const, unit: us[0] ?? unit('cache.service') })),
    fc.record({ kind: fc.constant('destroy' as const), name: fc.constantFrom(...NAMES) }),
  );

  it('keeps every invariant, never moves a unit that may stay, and settles after each step', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 25 }), (events) => {
        const machines = new Map<string, Machine>();
        const units = new Map<string, SchedulerUnit>();
        let schedule = new Map<string, string>();
        for (const event of events) {
          if (event.kind === 'join')
            machines.set(event.tag, machine(event.tag, { metadata: { region: event.region } }));
          else if (event.kind === 'leave') machines.delete(event.tag);
          else if (event.kind === 'drain') {
            const m = machines.get(event.tag);
            if (m) machines.set(event.tag, { ...m, drained: event.drained });
          } else if (event.kind === 'submit') units.set(event.unit.name, event.unit);
          else units.delete(event.name);
          const before = schedule;
          const result = checkInvariants([...units.values()], [...machines.values()], before);
          // a unit is only unscheduled for a reason, and one that stays keeps its machine
          for (const [name, id] of result.assignments) {
            const moved = before.has(name) && before.get(name) !== id;
            if (moved) expect(result.actions.some((a) => a.kind === 'unschedule' && a.unit === name)).toBe(true);
          }
          schedule = new Map(result.assignments);
          const again = plan([...units.values()], [...machines.values()], schedule);
          expect(again.actions.filter((a) => a.kind === 'unschedule')).toEqual([]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
