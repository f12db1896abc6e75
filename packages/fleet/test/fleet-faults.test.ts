import { fleetpb } from '@coreos-ts/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TTL_SECONDS, FleetHarness, machineId, serviceUnit } from './fleet-harness.js';

const A = machineId('aaaa1111');
const B = machineId('bbbb2222');
const C = machineId('cccc3333');
const LAUNCHED = fleetpb.UnitState.UNIT_STATE_LAUNCHED;

async function schedule(fleet: FleetHarness): Promise<Map<string, string>> {
  return new Map((await fleet.api.listUnits()).filter((u) => u.machineId !== '').map((u) => [u.name, u.machineId]));
}

describe('fleet under faults (in-process agents, real etcd cluster)', () => {
  let fleet: FleetHarness;
  const units = ['a.service', 'b.service', 'c.service', 'd.service', 'e.service', 'f.service'];

  beforeAll(async () => {
    fleet = await FleetHarness.start([{ id: A }, { id: B }, { id: C }], '/fleet-faults/');
    await fleet.until('three machines', async () => (await fleet.api.listMachines()).length === 3);
    for (const name of units) {
      await fleet.api.submitUnit({ name, unitFile: serviceUnit([], name), desiredState: LAUNCHED });
    }
    await fleet.launched(units);
  });

  afterAll(async () => {
    for (const u of await fleet.api.listUnits().catch(() => [])) await fleet.api.destroyUnit(u.name).catch(() => {});
    await fleet
      .until('every unit stopped', async () => (await fleet.api.listUnitStates()).length === 0)
      .catch(() => {});
    await fleet.stop();
  });

  it('moves engine leadership without rescheduling anything', async () => {
    const before = await schedule(fleet);
    const leader = [...fleet.fleetds.values()].find((f) => f.engine?.status.leading);
    expect(leader).toBeDefined();
    await leader?.engine?.abandon(); // the engine dies; its lease runs out; the agent stays
    const next = await fleet.until(
      'another engine to lead and finish a pass',
      async () => [...fleet.fleetds.values()].find((f) => f !== leader && (f.engine?.status.passes ?? 0) > 0),
      (AGENT_TTL_SECONDS + 5) * 1000,
    );
    expect(next.engine?.status.writes).toBe(0);
    expect(await schedule(fleet)).toEqual(before);
  });

  it('drain moves every unit off a machine, and nothing lands there until undrain', async () => {
    const before = await schedule(fleet);
    const target = [...before.values()][0] as string;
    await fleet.api.drainMachine(target.slice(0, 8));
    const after = await fleet.until('units to leave the drained machine', async () => {
      const s = await schedule(fleet);
      const states = await fleet.api.listUnitStates({ machineId: target });
      return [...s.values()].every((m) => m !== target) && s.size === units.length && states.length === 0
        ? s
        : undefined;
    });
    await fleet.launched(units);
    await fleet.api.submitUnit({ name: 'late.service', unitFile: serviceUnit(), desiredState: LAUNCHED });
    const late = (await fleet.launched(['late.service'])).get('late.service');
    expect(late).not.toBe(target);
    expect([...after.values()]).not.toContain(target);
    const machine = (await fleet.api.listMachines()).find((m) => m.id === target);
    expect(machine?.drained).toBe(true);

    await fleet.api.undrainMachine(target);
    await fleet.api.submitUnit({ name: 'later.service', unitFile: serviceUnit(), desiredState: LAUNCHED });
    const later = (await fleet.launched(['later.service'])).get('later.service');
    expect(later).toBe(target); // the least-loaded machine again
  });

  it('re-places the units of a machine that stops renewing its lease within TTL + 2 s', async () => {
    const before = await schedule(fleet);
    const victim = before.get('a.service') as string;
    const moved = [...before].filter(([, m]) => m === victim).map(([u]) => u);
    const crashed = fleet.fleetds.get(victim);
    const started = Date.now();
    await crashed?.crash();
    fleet.fleetds.delete(victim);
    fleet.reconnect();
    await fleet.until(
      "the crashed machine's units to launch elsewhere",
      async () => {
        const s = await schedule(fleet);
        const states = await fleet.api.listUnitStates();
        return moved.every(
          (u) =>
            s.get(u) !== undefined &&
            s.get(u) !== victim &&
            states.some((x) => x.name === u && x.machineId === s.get(u) && x.activeState === 'active'),
        );
      },
      (AGENT_TTL_SECONDS + 2) * 1000 + 3_000,
    );
    expect(Date.now() - started).toBeLessThan((AGENT_TTL_SECONDS + 2) * 1000 + 1_000);
    // the machine comes back: it adopts, sees its units scheduled elsewhere, and stops them
    await fleet.restartMachine(victim);
    fleet.reconnect();
    await fleet.until('the returning machine to stop its moved units', async () => {
      const states = await fleet.api.listUnitStates({ machineId: victim });
      return states.length === 0;
    });
    const after = await schedule(fleet);
    for (const u of moved) expect(after.get(u)).not.toBe(victim);
  });
});
