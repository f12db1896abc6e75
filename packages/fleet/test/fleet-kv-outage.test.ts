import { KvClient } from '@coreos-ts/kv-client';
import { fleetpb } from '@coreos-ts/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_TTL_SECONDS, FleetHarness, machineId, serviceUnit } from './fleet-harness.js';

const A = machineId('aaaa1111');
const B = machineId('bbbb2222');

async function pids(fleet: FleetHarness): Promise<Map<string, string>> {
  const states = await fleet.api.listUnitStates();
  return new Map(states.map((s) => [s.name, `${s.machineId}:${s.pid}:${s.activeState}`]));
}

describe('a kv outage longer than the agent TTL', () => {
  let fleet: FleetHarness;

  beforeAll(async () => {
    fleet = await FleetHarness.start([{ id: A }, { id: B }], '/fleet-outage/');
    for (const name of ['x.service', 'y.service']) {
      await fleet.api.submitUnit({
        name,
        unitFile: serviceUnit(),
        desiredState: fleetpb.UnitState.UNIT_STATE_LAUNCHED,
      });
    }
    await fleet.launched(['x.service', 'y.service']);
  });

  afterAll(async () => {
    for (const name of ['x.service', 'y.service']) await fleet.api.destroyUnit(name).catch(() => {});
    await fleet.until('units stopped', async () => (await fleet.api.listUnitStates()).length === 0).catch(() => {});
    await fleet.stop();
  });

  it('keeps every unit running untouched, and nothing moves once kv is back', async () => {
    const before = await pids(fleet);
    const unitPids = [...before.values()].map((v) => Number(v.split(':')[1]));
    const agents = [...fleet.fleetds.values()].map((f) => f.agent);
    const kv = new KvClient({ endpoints: fleet.etcd.endpoints });
    const oldLeases = (await kv.get(`${fleet.prefix}machines/`, { prefix: true })).kvs.map((k) => k.lease);
    expect(oldLeases).toHaveLength(2);
    await Promise.all(fleet.etcd.members.map((m) => m.kill('SIGKILL')));
    await fleet.until(
      'both agents to lose their leases',
      async () => agents.every((a) => !a.registered),
      (AGENT_TTL_SECONDS + 5) * 1000,
    );
    for (const pid of unitPids) expect(() => process.kill(pid, 0)).not.toThrow();

    await Promise.all(fleet.etcd.members.map((m) => m.restart()));
    await fleet.until('both agents to register again', async () => agents.every((a) => a.registered), 20_000);
    // the leases from before the outage run out (etcd restored them with a fresh TTL)
    await fleet.until(
      'the old machine leases to expire',
      async () => {
        for (const lease of oldLeases) if ((await kv.lease.timeToLive(lease)).ttlSeconds >= 0n) return false;
        return true;
      },
      (AGENT_TTL_SECONDS + 5) * 1000,
    );
    kv.close();
    const after = await fleet.until(
      'both units reported again',
      async () => {
        const p = await pids(fleet);
        return p.size === before.size ? p : undefined;
      },
      10_000,
    );
    expect(after).toEqual(before);
    const units = await fleet.api.listUnits();
    expect(units.map((u) => [u.name, u.machineId])).toEqual([...before].map(([name, v]) => [name, v.split(':')[0]]));
  });
});
