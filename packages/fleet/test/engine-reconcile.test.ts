import { describe, expect, it } from 'vitest';
import { type KvWrite, reconcile } from '../src/engine/reconcile.js';
import type { ClusterState, RegisteredMachine, RegisteredUnit } from '../src/registry/cluster-state.js';
import { RegistryKeys } from '../src/registry/keys.js';
import type { UnitState } from '../src/unit/states.js';
import { parseUnitFile } from '../src/unit/unit-file.js';
import { parseXFleet } from '../src/unit/x-fleet.js';
import { machineId } from './helpers.js';

const keys = new RegistryKeys('/f/');
const A = machineId('a');
const B = machineId('b');

function m(id: string, drained = false): RegisteredMachine {
  return { id, publicIp: '10.0.0.1', metadata: {}, drained, apiAddress: '' };
}

function u(name: string, xFleet: string[] = [], desired: UnitState = 'launched'): [string, RegisteredUnit] {
  const text = `[Service]\nExecStart=/bin/true\n[X-Fleet]\n${xFleet.join('\n')}\n`;
  return [name, { record: { name, text, hash: `h-${name}` }, desired }];
}

function state(
  units: [string, RegisteredUnit][],
  machines: RegisteredMachine[],
  schedule: [string, string[]][] = [],
  unplaced: [string, string][] = [],
): ClusterState {
  return {
    revision: 1n,
    units: new Map(units),
    machines,
    schedule: new Map(schedule),
    unplaced: new Map(unplaced),
    corrupt: [],
  };
}

const requirementsOf = (name: string, text: string) => parseXFleet(name, parseUnitFile(text));

/** The state after applying a pass's writes (schedule and unplaced keys only). */
function apply(s: ClusterState, writes: readonly KvWrite[]): ClusterState {
  const schedule = new Map([...s.schedule].map(([k, v]) => [k, [...v]]));
  const unplaced = new Map(s.unplaced);
  for (const w of writes) {
    const parsed = keys.parseSchedule(w.key);
    if (parsed) {
      const [machine, unit] = parsed;
      const list = (schedule.get(unit) ?? []).filter((x) => x !== machine);
      if (w.kind === 'put') list.push(machine);
      if (list.length > 0) schedule.set(unit, list);
      else schedule.delete(unit);
    } else {
      const unit = w.key.slice(keys.unplacedAll.length);
      if (w.kind === 'put') unplaced.set(unit, w.value);
      else unplaced.delete(unit);
    }
  }
  return { ...s, schedule, unplaced };
}

describe('engine reconcile (pure)', () => {
  it('schedules, then writes nothing on its own output (a new leader reschedules nothing)', () => {
    const s0 = state([u('a.service'), u('b.service'), u('c.service', ['MachineMetadata=x=y'])], [m(A), m(B)]);
    const first = reconcile(s0, keys, requirementsOf);
    expect(first.writes.filter((w) => w.kind === 'put' && w.key.includes('/schedule/'))).toHaveLength(2);
    expect(first.writes).toContainEqual({
      kind: 'put',
      key: keys.unplaced('c.service'),
      value: expect.stringContaining('no agents able to run job'),
    });
    const s1 = apply(s0, first.writes);
    expect(reconcile(s1, keys, requirementsOf).writes).toEqual([]);
  });

  it('moves the units of a machine that went away and clears a stale unplaced reason', () => {
    const s0 = state([u('a.service')], [m(B)], [['a.service', [A]]], [['a.service', 'old reason']]);
    const pass = reconcile(s0, keys, requirementsOf);
    expect(pass.writes).toEqual(
      expect.arrayContaining([
        { kind: 'delete', key: keys.schedule(A, 'a.service') },
        { kind: 'put', key: keys.schedule(B, 'a.service'), value: 'h-a.service' },
        { kind: 'delete', key: keys.unplaced('a.service') },
      ]),
    );
    expect(pass.writes).toHaveLength(3);
  });

  it('keeps one of two assignments of a unit (after a fault) and deletes the other', () => {
    const s0 = state([u('a.service')], [m(A), m(B)], [['a.service', [B, A]]]);
    expect(reconcile(s0, keys, requirementsOf).writes).toEqual([
      { kind: 'delete', key: keys.schedule(B, 'a.service') },
    ]);
  });

  it('never places templates, and unschedules units whose desired state drops to inactive', () => {
    const s0 = state([u('web@.service'), u('x.service', [], 'inactive')], [m(A)], [['x.service', [A]]]);
    expect(reconcile(s0, keys, requirementsOf).writes).toEqual([
      { kind: 'delete', key: keys.schedule(A, 'x.service') },
    ]);
  });

  it('empties a drained machine', () => {
    const s0 = state(
      [u('a.service'), u('b.service')],
      [m(A, true), m(B)],
      [
        ['a.service', [A]],
        ['b.service', [A]],
      ],
    );
    const s1 = apply(s0, reconcile(s0, keys, requirementsOf).writes);
    expect(s1.schedule).toEqual(
      new Map([
        ['a.service', [B]],
        ['b.service', [B]],
      ]),
    );
  });
});
