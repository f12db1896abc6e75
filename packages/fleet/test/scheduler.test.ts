import { describe, expect, it } from 'vitest';
import { globalTargets } from '../src/scheduler/global-targets.js';
import { parseMachineMetadata } from '../src/scheduler/machine.js';
import { plan } from '../src/scheduler/plan.js';
import { machine, machineId, unit } from './helpers.js';

const A = machineId('a');
const B = machineId('b');
const C = machineId('c');

function schedule(
  units: Parameters<typeof plan>[0],
  machines: Parameters<typeof plan>[1],
  current: [string, string][] = [],
) {
  const result = plan(units, machines, new Map(current));
  return { ...result, where: Object.fromEntries(result.assignments) };
}

describe('plan: least-loaded', () => {
  it('spreads units, ties broken by machine ID ascending', () => {
    const r = schedule(
      ['u1', 'u2', 'u3', 'u4'].map((n) => unit(`${n}.service`)),
      [machine('c'), machine('a'), machine('b')],
    );
    expect(r.where).toEqual({ 'u1.service': A, 'u2.service': B, 'u3.service': C, 'u4.service': A });
    expect(r.actions).toEqual([
      { kind: 'schedule', unit: 'u1.service', machineId: A },
      { kind: 'schedule', unit: 'u2.service', machineId: B },
      { kind: 'schedule', unit: 'u3.service', machineId: C },
      { kind: 'schedule', unit: 'u4.service', machineId: A },
    ]);
  });

  it('counts existing units and global units toward the load', () => {
    const units = [
      unit('old.service'),
      unit('g.service', { global: true, metadata: { role: ['edge'] } }),
      unit('new.service'),
    ];
    const machines = [machine('a'), machine('b', { metadata: { role: 'edge' } }), machine('c')];
    const r = schedule(units, machines, [['old.service', A]]);
    // a has old (1), b has the global (1), c is empty
    expect(r.where['new.service']).toBe(C);
    expect(r.where['g.service']).toBeUndefined();
  });

  it('leaves a stable schedule alone', () => {
    const r = schedule(
      [unit('x.service'), unit('y.service')],
      [machine('a'), machine('b')],
      [
        ['x.service', B],
        ['y.service', B],
      ],
    );
    expect(r.actions).toEqual([]);
  });

  it('says why there is no machine at all', () => {
    expect(schedule([unit('x.service')], []).unplaced).toEqual([
      { unit: 'x.service', reason: 'zero agents available' },
    ]);
    expect(schedule([unit('x.service')], [machine('a', { drained: true })]).unplaced[0]?.reason).toBe(
      'zero agents available',
    );
  });
});

describe('plan: desired state and machine liveness', () => {
  it('unschedules inactive units, units of vanished machines, and units on drained machines', () => {
    const units = [unit('idle.service', { desiredState: 'inactive' }), unit('orphan.service'), unit('moved.service')];
    const machines = [machine('a', { drained: true }), machine('b')];
    const r = schedule(units, machines, [
      ['idle.service', B],
      ['orphan.service', machineId('f')],
      ['moved.service', A],
      ['destroyed.service', B],
    ]);
    expect(r.actions).toEqual([
      { kind: 'unschedule', unit: 'destroyed.service', machineId: B, reason: 'unit no longer exists' },
      {
        kind: 'unschedule',
        unit: 'orphan.service',
        machineId: machineId('f'),
        reason: `target Machine(${machineId('f')}) went away`,
      },
      { kind: 'unschedule', unit: 'idle.service', machineId: B, reason: 'target state inactive' },
      { kind: 'unschedule', unit: 'moved.service', machineId: A, reason: `target Machine(${A}) is drained` },
      { kind: 'schedule', unit: 'moved.service', machineId: B },
      { kind: 'schedule', unit: 'orphan.service', machineId: B },
    ]);
  });

  it('a loaded unit is placed like a launched one; an inactive one is not', () => {
    const r = schedule(
      [unit('l.service', { desiredState: 'loaded' }), unit('i.service', { desiredState: 'inactive' })],
      [machine('a')],
    );
    expect(r.where).toEqual({ 'l.service': A });
    expect(r.unplaced).toEqual([]);
  });
});

describe('plan: constraints', () => {
  const machines = [
    machine('a', { metadata: { region: 'us', disk: 'ssd' } }),
    machine('b', { metadata: { region: 'eu', disk: 'ssd' } }),
    machine('c', { metadata: { region: 'eu', disk: 'hdd' } }),
  ];

  it('MachineID: full ID and 8-character short ID', () => {
    const r = schedule(
      [unit('full.service', { machineId: C }), unit('short.service', { machineId: C.slice(0, 8) })],
      machines,
    );
    expect(r.where).toEqual({ 'full.service': C, 'short.service': C });
    const missing = schedule([unit('x.service', { machineId: 'deadbeef' })], machines);
    expect(missing.unplaced[0]?.reason).toBe('no eligible machine matches MachineID deadbeef');
  });

  it('MachineMetadata: same key is OR, different keys are AND', () => {
    const r = schedule(
      [
        unit('any-region.service', { metadata: { region: ['us', 'eu'], disk: ['hdd'] } }),
        unit('eu-ssd.service', { metadata: { region: ['eu'], disk: ['ssd'] } }),
        unit('nowhere.service', { metadata: { region: ['ap'] } }),
      ],
      machines,
    );
    expect(r.where).toEqual({ 'any-region.service': C, 'eu-ssd.service': B });
    expect(r.unplaced).toHaveLength(1);
    expect(r.unplaced[0]?.reason).toContain('metadata does not match region=ap');
  });

  it('Conflicts: globs, checked in both directions', () => {
    const units = [
      unit('web@1.service', { conflicts: ['web@*.service'] }),
      unit('web@2.service', { conflicts: ['web@*.service'] }),
      unit('web@3.service', { conflicts: ['web@*.service'] }),
      unit('web@4.service', { conflicts: ['web@*.service'] }),
      // its pattern names web@2 only: the check from its side keeps them apart
      unit('lonely.service', { conflicts: ['web@2.service'] }),
    ];
    const r = schedule(units, machines);
    expect(new Set([r.where['web@1.service'], r.where['web@2.service'], r.where['web@3.service']]).size).toBe(3);
    expect(r.unplaced.map((u) => u.unit)).toEqual(['web@4.service']);
    expect(r.unplaced[0]?.reason).toMatch(/^no agents able to run job: .*conflicts with web@/);
    expect(r.where['lonely.service']).not.toBe(r.where['web@2.service']);
  });

  it('Conflicts: a unit already co-located with a conflicting one moves away', () => {
    const units = [unit('a.service', { conflicts: ['b.service'] }), unit('b.service')];
    const r = schedule(
      units,
      [machine('a'), machine('b')],
      [
        ['a.service', A],
        ['b.service', A],
      ],
    );
    expect(r.actions[0]).toEqual({
      kind: 'unschedule',
      unit: 'a.service',
      machineId: A,
      reason: `unable to run on Machine(${A}): conflicts with b.service`,
    });
    expect(r.where).toEqual({ 'a.service': B, 'b.service': A });
  });

  it('MachineOf: follows its target, placed in the same pass even when sorted first', () => {
    const units = [
      unit('a-sidecar.service', { machineOf: ['z-main.service'] }),
      unit('z-main.service'),
      unit('filler.service'),
    ];
    const r = schedule(units, [machine('a'), machine('b')], [['filler.service', A]]);
    expect(r.where['z-main.service']).toBe(B);
    expect(r.where['a-sidecar.service']).toBe(B);
  });

  it('MachineOf: unschedulable while the target is not scheduled; followers leave with it', () => {
    const units = [
      unit('side.service', { machineOf: ['main.service'] }),
      unit('main.service', { desiredState: 'inactive' }),
      unit('ghost-side.service', { machineOf: ['nope.service'] }),
    ];
    const r = schedule(
      units,
      [machine('a')],
      [
        ['main.service', A],
        ['side.service', A],
      ],
    );
    expect(r.actions.slice(0, 2)).toEqual([
      { kind: 'unschedule', unit: 'main.service', machineId: A, reason: 'target state inactive' },
      {
        kind: 'unschedule',
        unit: 'side.service',
        machineId: A,
        reason: `unable to run on Machine(${A}): MachineOf unit(s) not here: main.service`,
      },
    ]);
    expect(r.unplaced).toEqual([
      { unit: 'ghost-side.service', reason: 'MachineOf unit nope.service is not scheduled' },
      { unit: 'side.service', reason: 'MachineOf unit main.service is not scheduled' },
    ]);
  });

  it('MachineOf cycles are unplaceable', () => {
    const r = schedule(
      [unit('x.service', { machineOf: ['y.service'] }), unit('y.service', { machineOf: ['x.service'] })],
      [machine('a')],
    );
    expect(r.unplaced.map((u) => u.unit)).toEqual(['x.service', 'y.service']);
  });

  it("Replaces: the replaced unit moves off the replacer's machine", () => {
    const units = [unit('new.service', { replaces: ['old*.service'] }), unit('old-1.service'), unit('keep.service')];
    const r = schedule(
      units,
      [machine('a'), machine('b')],
      [
        ['new.service', A],
        ['old-1.service', A],
        ['keep.service', B],
      ],
    );
    expect(r.actions).toEqual([
      {
        kind: 'unschedule',
        unit: 'old-1.service',
        machineId: A,
        reason: `unable to run on Machine(${A}): replaced by new.service`,
      },
      { kind: 'schedule', unit: 'old-1.service', machineId: B },
    ]);
  });

  it("Replaces: a replacer placed onto the replaced unit's machine displaces it (and its followers)", () => {
    const units = [
      unit('anchor.service'),
      unit('new.service', { replaces: ['old.service'], machineOf: ['anchor.service'] }),
      unit('old.service'),
      unit('old-log.service', { machineOf: ['old.service'] }),
    ];
    const r = schedule(
      units,
      [machine('a'), machine('b')],
      [
        ['anchor.service', A],
        ['old.service', A],
        ['old-log.service', A],
      ],
    );
    expect(r.actions).toEqual([
      { kind: 'schedule', unit: 'new.service', machineId: A },
      { kind: 'unschedule', unit: 'old.service', machineId: A, reason: 'replaced by new.service' },
      {
        kind: 'unschedule',
        unit: 'old-log.service',
        machineId: A,
        reason: 'MachineOf unit old.service was replaced by new.service',
      },
      { kind: 'schedule', unit: 'old.service', machineId: B },
      { kind: 'schedule', unit: 'old-log.service', machineId: B },
    ]);
  });

  it('Replaces: circular replaces are ignored', () => {
    const units = [unit('x.service', { replaces: ['y.service'] }), unit('y.service', { replaces: ['x.service'] })];
    const r = schedule(
      units,
      [machine('a')],
      [
        ['x.service', A],
        ['y.service', A],
      ],
    );
    expect(r.actions).toEqual([]);
  });

  it('global units are never scheduled by the engine', () => {
    const r = schedule([unit('g.service', { global: true })], [machine('a')], [['g.service', A]]);
    expect(r.actions).toEqual([
      { kind: 'unschedule', unit: 'g.service', machineId: A, reason: 'global units are not scheduled by the engine' },
    ]);
    expect(r.unplaced).toEqual([]);
  });
});

describe('globalTargets', () => {
  it('every non-drained machine matching the metadata, sorted', () => {
    const machines = [
      machine('c', { metadata: { role: 'edge' } }),
      machine('a', { metadata: { role: 'edge' } }),
      machine('b', { metadata: { role: 'db' } }),
      machine('d', { metadata: { role: 'edge' }, drained: true }),
    ];
    expect(globalTargets(unit('g.service', { global: true, metadata: { role: ['edge'] } }), machines)).toEqual([A, C]);
    expect(globalTargets(unit('g.service', { global: true }), machines)).toEqual([A, B, C]);
    expect(globalTargets(unit('g.service', { global: true, desiredState: 'inactive' }), machines)).toEqual([]);
    expect(globalTargets(unit('n.service'), machines)).toEqual([]);
  });
});

describe('parseMachineMetadata (fleet.conf metadata=)', () => {
  it('reads comma-separated pairs', () => {
    expect(parseMachineMetadata('region=us-west, az=us-west-1 ,disk=ssd')).toEqual({
      region: 'us-west',
      az: 'us-west-1',
      disk: 'ssd',
    });
    expect(parseMachineMetadata('')).toEqual({});
  });

  it.each(['region', 'region=', '=us'])('refuses %j', (text) => {
    expect(() => parseMachineMetadata(text)).toThrow(`invalid metadata ${JSON.stringify(text)}: want key=value`);
  });
});
