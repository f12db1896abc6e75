// The store under faults, on 3 machines: clients read, write and compare-and-swap registers in
// kv while the harness kills the leader's kvd (SIGKILL), pauses a follower (SIGSTOP) and reboots a
// machine; the recorded history must be linearizable (tools/linearizability's checker).
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../src/test-cluster.js';
import { checkWorkload, startRegisterWorkload, type Workload } from './register-workload.js';

const SEED = Number(process.env.E2E_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PROGRESS_OPS = 40;
const PROGRESS_TIMEOUT_MS = 30_000;

describe(`kv under faults (seed ${SEED}, replay with E2E_SEED=${SEED})`, () => {
  let cluster: TestCluster | undefined;
  let workload: Workload | undefined;

  beforeAll(async () => {
    requireTool('sgdisk', 'apt-get install gdisk');
    cluster = await startTestCluster({ nodes: 3, fleetd: false, locksmithd: false });
  }, 150_000);

  afterAll(async () => {
    await workload?.stop();
    await cluster?.stop();
  }, 30_000);

  it('keeps a linearizable history through a killed leader, a paused follower and a reboot', async () => {
    const t = cluster;
    if (t === undefined) throw new Error('the cluster did not start');
    const w = startRegisterWorkload({
      endpoints: t.info.kvEndpoints,
      clients: 4,
      keys: ['k0', 'k1', 'k2'],
      seed: SEED,
    });
    workload = w;
    const leader = async () => {
      const name = (await t.status()).kv.leader;
      if (name === null) throw new Error('no kv leader');
      return name;
    };
    const follower = async () => {
      const l = await leader();
      return t.machines.find((m) => m.name !== l)?.name ?? '';
    };

    // each fault: apply it, see the cluster keep (or regain) serving clients, heal, see it again
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);
    const killed = await leader();
    await t.kill(killed, 'kvd');
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);
    await t.restart(killed, 'kvd');
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);

    const paused = await follower();
    await t.pause(paused, 'kvd');
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);
    await t.resume(paused, 'kvd');
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);

    await t.reboot(await leader());
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);
    await w.stop();

    expect(checkWorkload(w)).toBe('ok');
    expect(w.completed()).toBeGreaterThanOrEqual(7 * PROGRESS_OPS);
  }, 240_000);
});
