// The whole story on 3 machines with every component: a fleet unit runs on one machine;
// `publish 2.0.0`; each update-engine writes slot B, locksmithd takes the reboot lock, drains the
// machine (fleet moves the unit away), reboots it through the harness, undrains, unlocks. At the
// end all run 2.0.0, the lock is free and the unit runs; sampled throughout: it never runs on two
// machines at once, and never two machines reboot at once.
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../src/binaries.js';
import { SEMAPHORE_KEY } from '../src/cluster-status.js';
import type { MachineState } from '../src/machine.js';
import { FleetRpc } from '../src/rpc.js';
import { startTestCluster, type TestCluster } from '../src/test-cluster.js';
import { waitReady } from '../src/wait-ready.js';

const UNIT = 'web.service';
const SAMPLE_MS = 200;

describe('the whole story: update, lock, drain, reboot, undrain, unlock', () => {
  let cluster: TestCluster | undefined;
  let fleet: FleetRpc | undefined;
  let sampling: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    requireTool('sgdisk', 'apt-get install gdisk');
    requireBinary('locksmithd');
    requireBinary('fleetd');
    cluster = await startTestCluster({ nodes: 3 });
  }, 150_000);

  afterAll(async () => {
    clearInterval(sampling);
    fleet?.close();
    await cluster?.stop();
  }, 30_000);

  it('updates every machine while the unit keeps running on exactly one of them', async () => {
    const t = cluster;
    if (t === undefined) throw new Error('the cluster did not start');
    const f = new FleetRpc(t.info.machines.map((m) => m.endpoints.fleet ?? ''));
    fleet = f;
    const nameOf = (machineId: string) => t.machines.find((m) => m.config.machineId === machineId)?.name ?? machineId;

    await waitReady('fleet to see 3 machines', async () => (await f.listMachines()).length === 3, {
      timeoutMs: 30_000,
    });
    await f.startUnit(UNIT, '[Service]\nExecStart=/bin/sleep 100000\n');
    const firstHost = await waitReady(
      `${UNIT} to run`,
      async () => (await f.unitStates(UNIT)).find((s) => s.activeState === 'active')?.machineId,
      { timeoutMs: 30_000 },
    );

    // samplers: where the unit is active; how many machines are between 'stopping' and 'up'
    const hosts = new Set<string>([nameOf(firstHost)]);
    let activeMax = 1;
    sampling = setInterval(() => {
      f.unitStates(UNIT).then(
        (states) => {
          const active = states.filter((s) => s.activeState === 'active');
          activeMax = Math.max(activeMax, active.length);
          for (const s of active) hosts.add(nameOf(s.machineId));
        },
        () => undefined, // a fleetd being rebooted: the next sample asks again
      );
    }, SAMPLE_MS);
    let rebooting = 0;
    let rebootingMax = 0;
    for (const m of t.machines) {
      let down = false;
      m.events.on('state', (state: MachineState) => {
        if (state === 'stopping' && !down) {
          down = true;
          rebooting += 1;
          rebootingMax = Math.max(rebootingMax, rebooting);
        } else if (state === 'up' && down) {
          down = false;
          rebooting -= 1;
        }
      });
    }

    await t.publish('2.0.0');
    await Promise.all(t.machines.map((m) => t.waitForBoot(m.name, (b) => b.version === '2.0.0', 240_000)));
    await t.waitForRollout((p) => p.version === '2.0.0' && p.succeeded === 3, 60_000);
    const kv = new KvClient({ endpoints: [...t.info.kvEndpoints] });
    try {
      await waitReady(
        'the reboot lock to be free',
        async () => {
          const value = (await kv.getKv(SEMAPHORE_KEY))?.valueString;
          return (
            value !== undefined && ((JSON.parse(value) as { holders: string[] | null }).holders ?? []).length === 0
          );
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
    } finally {
      kv.close();
    }
    await waitReady(
      `${UNIT} to run after the update`,
      async () => (await f.unitStates(UNIT)).some((s) => s.activeState === 'active'),
      { timeoutMs: 30_000 },
    );
    clearInterval(sampling);

    const seen = `unit hosts seen: ${[...hosts].join(', ')}; most active at once: ${activeMax}; most rebooting at once: ${rebootingMax}`;
    expect(rebootingMax, seen).toBe(1);
    expect(activeMax, seen).toBe(1);
    // its first machine was drained before its reboot: the unit ran somewhere else meanwhile
    expect(hosts.size, seen).toBeGreaterThanOrEqual(2);
  }, 360_000);
});
