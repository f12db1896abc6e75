// The store under network partitions (netns mode), on 5 machines: clients in the host namespace
// read, write and compare-and-swap registers in kv while the harness cuts a follower off, isolates
// the leader, and splits the cluster 2/3 with the leader on the minority side (that one through
// the CLI), healing after each. The majority side must keep serving, the minority must not commit
// a write, a healed member must take writes again, and the recorded history must be linearizable.
// Needs root (network namespaces), ip and nft.
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../src/cluster-status.js';
import { execTool } from '../src/exec-tool.js';
import { type NetworkPlan, requireNetnsSupport } from '../src/netns.js';
import { startTestCluster, type TestCluster } from '../src/test-cluster.js';
import { runCli } from './cli.js';
import { leaderSeenBy, memberNames, writeAccepted, writeRefused } from './kv-probes.js';
import { checkWorkload, startRegisterWorkload, type Workload } from './register-workload.js';

const SEED = Number(process.env.E2E_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PROGRESS_OPS = 40;
const PROGRESS_TIMEOUT_MS = 30_000;
const REFUSED_WITHIN_MS = 1_500;
const REJOIN_TIMEOUT_MS = 30_000;

describe(`kv under network partitions (netns, 5 machines; seed ${SEED}, replay with E2E_SEED=${SEED})`, () => {
  let cluster: TestCluster | undefined;
  let workload: Workload | undefined;
  const started = () => {
    if (cluster === undefined) throw new Error('the cluster did not start');
    return cluster;
  };
  const networkOf = (t: TestCluster): NetworkPlan => {
    if (t.info.network === undefined) throw new Error('cluster.json has no network: not in netns mode');
    return t.info.network;
  };

  beforeAll(async () => {
    requireTool('sgdisk', 'apt-get install gdisk');
    requireNetnsSupport();
    cluster = await startTestCluster({ nodes: 5, netns: true, fleetd: false, locksmithd: false });
  }, 150_000);

  afterAll(async () => {
    await workload?.stop();
    await cluster?.stop();
  }, 30_000);

  it('runs each machine in its own namespace on its own address, reachable from the host', async () => {
    const t = started();
    const net = networkOf(t);
    const base = net.subnet.replace(/\.0\/24$/, '');
    expect(net.hostAddress).toBe(`${base}.1`);
    expect(t.info.control.startsWith(`http://${net.hostAddress}:`)).toBe(true);
    expect(t.info.updateServer.omahaUrl.startsWith(`http://${net.hostAddress}:`)).toBe(true);
    for (const [i, m] of t.machines.entries()) {
      const own = net.machines.find((x) => x.name === m.name);
      expect(own?.address).toBe(`${base}.${11 + i}`);
      expect(m.endpoints.kv).toBe(`http://${own?.address}:2379`);
      // the recorded pid is the component itself (ip netns exec execs it), inside the namespace
      for (const component of m.components()) {
        const pid = m.process(component)?.pid;
        expect((await execTool('ip', ['netns', 'identify', String(pid)])).trim()).toBe(own?.namespace);
      }
    }
    const status = await t.status();
    expect(status.kv).toMatchObject({ members: 5, error: null });
    expect(status.kv.leader).not.toBeNull();
    expect(status.partition).toBeNull();
    for (const m of status.machines) {
      expect(m.kvError).toBeNull();
      expect(m.updateStatus).toMatch(/^UPDATE_STATUS_/);
    }
  }, 30_000);

  it('keeps a linearizable history through partitions; a minority never commits a write', async () => {
    const t = started();
    const names = await memberNames(t.info.kvEndpoints);
    const kvOf = (name: string) => t.machine(name).endpoints.kv;
    const leader = async () => {
      const name = (await t.status()).kv.leader;
      if (name === null) throw new Error('no kv leader');
      return name;
    };
    const others = (...names: string[]) => t.machines.map((m) => m.name).filter((n) => !names.includes(n));
    /** Every member of the majority follows one leader, one of them. */
    const expectMajorityLeader = async (majority: readonly string[]) => {
      const seen = await Promise.all(majority.map((n) => leaderSeenBy(kvOf(n), names)));
      expect(new Set(seen).size).toBe(1);
      expect(majority).toContain(seen[0]);
    };
    const w = startRegisterWorkload({
      endpoints: t.info.kvEndpoints,
      clients: 5,
      keys: ['k0', 'k1', 'k2'],
      seed: SEED,
    });
    workload = w;
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);

    // a follower cut off: the rest keeps serving; the follower takes writes again once healed
    const cut = others(await leader())[0] ?? '';
    await t.partition([[cut]]);
    await writeRefused(kvOf(cut), 'probe/follower-cut', REFUSED_WITHIN_MS);
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);
    await t.heal();
    await writeAccepted(kvOf(cut), 'probe/follower-healed', REJOIN_TIMEOUT_MS);
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);

    // the leader isolated: the other four elect one of them; the old leader commits nothing
    const isolated = await leader();
    await t.partition([[isolated]]);
    await writeRefused(kvOf(isolated), 'probe/leader-isolated', REFUSED_WITHIN_MS);
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);
    await expectMajorityLeader(others(isolated));
    await t.heal();
    await writeAccepted(kvOf(isolated), 'probe/leader-healed', REJOIN_TIMEOUT_MS);
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);

    // 2/3 with the leader in the minority, through the CLI (control endpoint), seen in its status
    const minority = [await leader()];
    minority.push(others(...minority)[0] ?? '');
    const majority = others(...minority);
    await runCli(['partition', minority.join(','), '/', majority.join(','), '--dir', t.dir]);
    const during = JSON.parse(await runCli(['status', '--json', '--dir', t.dir])) as ClusterStatus;
    expect(during.partition).toEqual([minority, majority]);
    for (const n of minority) await writeRefused(kvOf(n), `probe/minority-${n}`, REFUSED_WITHIN_MS);
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);
    await expectMajorityLeader(majority);
    await runCli(['heal', '--dir', t.dir]);
    for (const n of minority) await writeAccepted(kvOf(n), `probe/healed-${n}`, REJOIN_TIMEOUT_MS);
    await w.progress(PROGRESS_OPS, PROGRESS_TIMEOUT_MS);
    await w.stop();

    expect(checkWorkload(w)).toBe('ok');
    expect(w.completed()).toBeGreaterThanOrEqual(7 * PROGRESS_OPS);
  }, 200_000);

  it('removes its namespaces and its host link when it stops', async () => {
    const t = started();
    const net = networkOf(t);
    await workload?.stop();
    await t.stop();
    const namespaces = await execTool('ip', ['netns', 'list']);
    for (const ns of [net.switchNamespace, ...net.machines.map((m) => m.namespace)]) {
      expect(namespaces).not.toContain(ns);
    }
    const links = JSON.parse(await execTool('ip', ['-j', 'link', 'show'])) as { ifname: string }[];
    expect(links.map((l) => l.ifname)).not.toContain(net.hostLink);
  }, 30_000);
});
