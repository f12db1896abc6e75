import { fleetpb } from '@coreos-ts/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetHarness, machineId, serviceUnit } from './fleet-harness.js';

const A = machineId('aaaa1111');
const B = machineId('bbbb2222');
const C = machineId('cccc3333');
const LAUNCHED = fleetpb.UnitState.UNIT_STATE_LAUNCHED;

describe('fleet placement on a real etcd cluster with three agents', () => {
  let fleet: FleetHarness;

  beforeAll(async () => {
    fleet = await FleetHarness.start([
      { id: A, metadata: { region: 'eu', disk: 'ssd' } },
      { id: B, metadata: { region: 'eu', disk: 'hdd' } },
      { id: C, metadata: { region: 'us', disk: 'ssd' } },
    ]);
    await fleet.until('three machines', async () => (await fleet.api.listMachines()).length === 3);
  });

  afterAll(async () => {
    for (const u of await fleet.api.listUnits().catch(() => [])) await fleet.api.destroyUnit(u.name).catch(() => {});
    await fleet.stop();
  });

  it('places by MachineMetadata, MachineID and MachineOf', async () => {
    await fleet.api.submitUnit({
      name: 'meta.service',
      unitFile: serviceUnit(['MachineMetadata=region=us']),
      desiredState: LAUNCHED,
    });
    await fleet.api.submitUnit({
      name: 'pinned.service',
      unitFile: serviceUnit([`MachineID=${B.slice(0, 8)}`]),
      desiredState: LAUNCHED,
    });
    await fleet.api.submitUnit({
      name: 'follower.service',
      unitFile: serviceUnit(['MachineOf=pinned.service']),
      desiredState: LAUNCHED,
    });
    const where = await fleet.launched(['meta.service', 'pinned.service', 'follower.service']);
    expect(where.get('meta.service')).toBe(C);
    expect(where.get('pinned.service')).toBe(B);
    expect(where.get('follower.service')).toBe(B);
  });

  it('spreads a template with Conflicts= one instance per machine', async () => {
    await fleet.api.submitUnit({ name: 'web@.service', unitFile: serviceUnit(['Conflicts=web@*']) });
    for (const i of [1, 2, 3]) {
      await fleet.api.submitUnit({
        name: `web@${i}.service`,
        unitFile: serviceUnit(['Conflicts=web@*']),
        desiredState: LAUNCHED,
      });
    }
    const where = await fleet.launched(['web@1.service', 'web@2.service', 'web@3.service']);
    expect(new Set(where.values())).toEqual(new Set([A, B, C]));
  });

  it('runs a Global unit on every matching machine', async () => {
    await fleet.api.submitUnit({
      name: 'ssd.service',
      unitFile: serviceUnit(['Global=true', 'MachineMetadata=disk=ssd']),
      desiredState: LAUNCHED,
    });
    const states = await fleet.until('global unit on A and C', async () => {
      const s = await fleet.api.listUnitStates({ unitName: 'ssd.service' });
      return s.filter((x) => x.activeState === 'active').length === 2 ? s : undefined;
    });
    expect(states.map((s) => s.machineId).sort()).toEqual([A, C]);
    const unit = await fleet.api.getUnit('ssd.service');
    expect(unit?.global).toBe(true);
    expect(unit?.machineId).toBe('');
  });

  it('moves a replaced unit away (Replaces=)', async () => {
    await fleet.api.submitUnit({
      name: 'old.service',
      unitFile: serviceUnit([`MachineMetadata=region=eu`]),
      desiredState: LAUNCHED,
    });
    const before = (await fleet.launched(['old.service'])).get('old.service') as string;
    const pin = before === A ? 'region=eu" "disk=ssd' : 'region=eu" "disk=hdd';
    await fleet.api.submitUnit({
      name: 'new.service',
      unitFile: serviceUnit([`MachineMetadata="${pin}"`, 'Replaces=old.service']),
      desiredState: LAUNCHED,
    });
    const where = await fleet.until("old.service to move off new.service's machine", async () => {
      const w = await fleet.launched(['old.service', 'new.service']);
      return w.get('old.service') !== w.get('new.service') ? w : undefined;
    });
    expect(where.get('new.service')).toBe(before);
  });

  it('refuses an invalid unit file with INVALID_ARGUMENT naming the line', async () => {
    await expect(
      fleet.api.submitUnit({ name: 'bad.service', unitFile: '[Service]\nExecStart=/bin/true\nnot an assignment\n' }),
    ).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: expect.stringContaining('line 3'),
    });
  });

  it('keeps a reason for a unit that cannot be placed', async () => {
    await fleet.api.submitUnit({
      name: 'nowhere.service',
      unitFile: serviceUnit(['MachineMetadata=region=mars']),
      desiredState: LAUNCHED,
    });
    const unit = await fleet.until('an unplaced reason', async () => {
      const u = await fleet.api.getUnit('nowhere.service');
      return u?.unplacedReason ? u : undefined;
    });
    expect(unit.unplacedReason).toContain('no agents able to run job');
    expect(unit.machineId).toBe('');
  });

  it('load places a unit without starting it; stop brings a launched unit back to loaded', async () => {
    const LOADED = fleetpb.UnitState.UNIT_STATE_LOADED;
    await fleet.api.submitUnit({ name: 'lazy.service', unitFile: serviceUnit(), desiredState: LOADED });
    const loaded = await fleet.until('lazy.service loaded', async () => {
      const u = await fleet.api.getUnit('lazy.service');
      return u?.currentState === LOADED ? u : undefined;
    });
    expect(loaded.machineId).toMatch(/^[0-9a-f]{32}$/);
    const [state] = await fleet.api.listUnitStates({ unitName: 'lazy.service' });
    expect([state?.activeState, state?.subState, state?.pid]).toEqual(['inactive', 'dead', 0]);

    await fleet.api.setUnitDesiredState({ name: 'lazy.service', desiredState: LAUNCHED });
    await fleet.launched(['lazy.service']);
    await fleet.api.setUnitDesiredState({ name: 'lazy.service', desiredState: LOADED });
    const stopped = await fleet.until('lazy.service stopped', async () => {
      const [s] = await fleet.api.listUnitStates({ unitName: 'lazy.service' });
      const u = await fleet.api.getUnit('lazy.service');
      return s?.activeState === 'inactive' && u?.currentState === LOADED ? u : undefined;
    });
    expect(stopped.machineId).toBe(loaded.machineId);
  });

  it('replace restarts the unit with the new file where it runs', async () => {
    await fleet.api.submitUnit({ name: 'swap.service', unitFile: serviceUnit([], 'v1'), desiredState: LAUNCHED });
    await fleet.launched(['swap.service']);
    const [v1] = await fleet.api.listUnitStates({ unitName: 'swap.service' });
    const replaced = await fleet.api.submitUnit({
      name: 'swap.service',
      unitFile: serviceUnit([], 'v2'),
      replace: true,
    });
    expect(replaced.unit?.hash).not.toBe(v1?.hash);
    const v2 = await fleet.until('the new file to run', async () => {
      const [s] = await fleet.api.listUnitStates({ unitName: 'swap.service' });
      return s && s.hash === replaced.unit?.hash && s.activeState === 'active' ? s : undefined;
    });
    expect(v2.pid).not.toBe(v1?.pid);
    expect(v2.machineId).toBe(v1?.machineId);
    await expect(fleet.api.submitUnit({ name: 'swap.service', unitFile: serviceUnit([], 'v3') })).rejects.toMatchObject(
      {
        kind: 'already-exists',
      },
    );
  });

  it('dynamic metadata steers placement', async () => {
    await fleet.api.setMachineMetadata({ machineId: B.slice(0, 8), set: { role: 'db' } });
    await fleet.api.submitUnit({
      name: 'db.service',
      unitFile: serviceUnit(['MachineMetadata=role=db']),
      desiredState: LAUNCHED,
    });
    expect((await fleet.launched(['db.service'])).get('db.service')).toBe(B);
    const machine = (await fleet.api.listMachines()).find((m) => m.id === B);
    expect(machine?.metadata).toEqual({ region: 'eu', disk: 'hdd', role: 'db' });
  });
});
