import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireTool, waitUntil } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { type ClusterMember, type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvdBackend, requireKvdBuilt } from './backends.js';

// Runtime membership under a steady write load: add a learner with etcdctl, start it with the
// ETCD_* variables etcdctl prints, promote it once caught up, remove the old leader (it stops),
// move a follower to a new peer URL; no acknowledged write is lost and HashKV agrees at the end.

function etcdctl(endpoints: string[], args: string[]) {
  const r = spawnSync(
    requireTool('etcdctl', 'apt-get install etcd-client'),
    [`--endpoints=${endpoints.join(',')}`, ...args],
    {
      env: { ...process.env, ETCDCTL_API: '3' },
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

async function statusOf(url: string) {
  const c = new KvClient({ endpoints: [url], callTimeoutMs: 2000 });
  try {
    return await c.maintenance.status({ endpoint: url });
  } finally {
    c.close();
  }
}

describe('kvd runtime membership', () => {
  let cluster: RunningCluster;
  const extra: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'kv-membership-'));

  beforeAll(async () => {
    requireKvdBuilt();
    cluster = await startCluster({ size: 3, binary: kvdBackend.binary });
  });
  afterAll(async () => {
    for (const c of extra) c.kill('SIGKILL');
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('add a learner, promote it, remove the old leader, update a peer URL; nothing acknowledged is lost', async () => {
    const client = new KvClient({ endpoints: cluster.endpoints, callTimeoutMs: 5000 });
    const acked = new Map<string, string>();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        try {
          await client.put(`m/${i}`, `v${i}`);
          acked.set(`m/${i}`, `v${i}`);
        } catch {
          // not acknowledged
        }
      }
    })();

    await waitUntil('the first acknowledged write', async () => acked.size > 0, { timeoutMs: 10_000 });

    // add a learner; etcdctl prints what the new member needs
    const peerUrl = `http://127.0.0.1:${await freePort()}`;
    const clientUrl = `http://127.0.0.1:${await freePort()}`;
    const added = etcdctl(cluster.endpoints, ['member', 'add', 'm3', `--peer-urls=${peerUrl}`, '--learner']);
    expect(added.code, added.err).toBe(0);
    const vars = Object.fromEntries(
      [...added.out.matchAll(/^(ETCD_[A-Z_]+)="(.*)"$/gm)].map((m) => [m[1] as string, m[2] as string]),
    );
    expect(vars.ETCD_NAME).toBe('m3');
    expect(vars.ETCD_INITIAL_CLUSTER_STATE).toBe('existing');
    expect(vars.ETCD_INITIAL_CLUSTER).toContain(`m3=${peerUrl}`);
    const learnerId = /Member\s+([0-9a-f]+) added/.exec(added.out)?.[1];
    expect(learnerId).toBeDefined();

    const learner = spawn(
      kvdBackend.binary,
      [
        `--data-dir=${join(dir, 'm3')}`,
        `--listen-client-urls=${clientUrl}`,
        `--advertise-client-urls=${clientUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        '--heartbeat-interval=50',
        '--election-timeout=500',
      ],
      { env: { ...process.env, ...vars }, stdio: 'ignore' },
    );
    extra.push(learner);

    // promotion succeeds once the learner has caught up with the leader
    await waitUntil(
      'the learner to be promoted',
      async () => etcdctl(cluster.endpoints, ['member', 'promote', learnerId as string]).code === 0,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const listed = etcdctl(cluster.endpoints, ['member', 'list']).out;
    expect(listed).toMatch(new RegExp(`${learnerId}, started, m3, ${peerUrl}, ${clientUrl}, false`));

    // remove the current leader: it stops, the others elect a new one and keep serving
    const leaderId = (await statusOf(clientUrl)).leader;
    const leaderMember = (
      await Promise.all(cluster.members.map(async (m) => ({ m, id: (await statusOf(m.clientUrl)).header.memberId })))
    ).find((x) => x.id === leaderId)?.m as ClusterMember;
    expect(leaderMember).toBeDefined();
    const removed = etcdctl(
      cluster.members.filter((m) => m !== leaderMember).map((m) => m.clientUrl),
      ['member', 'remove', leaderId.toString(16)],
    );
    expect(removed.code, removed.err).toBe(0);
    await waitUntil('the removed leader to stop', async () => !leaderMember.running, { timeoutMs: 20_000 });

    // a follower moves to a new peer URL: update, then restart it listening there
    const survivors = cluster.members.filter((m) => m !== leaderMember);
    const mover = survivors[0] as ClusterMember;
    const moverId = (await statusOf(mover.clientUrl)).header.memberId;
    const newPeerUrl = `http://127.0.0.1:${await freePort()}`;
    const updated = etcdctl([clientUrl], ['member', 'update', moverId.toString(16), `--peer-urls=${newPeerUrl}`]);
    expect(updated.code, updated.err).toBe(0);
    await mover.kill('SIGKILL');
    const moved = spawn(
      kvdBackend.binary,
      [
        `--name=${mover.name}`,
        `--data-dir=${mover.dataDir}`,
        `--listen-client-urls=${mover.clientUrl}`,
        `--advertise-client-urls=${mover.clientUrl}`,
        `--listen-peer-urls=${newPeerUrl}`,
        `--initial-advertise-peer-urls=${newPeerUrl}`,
        '--heartbeat-interval=50',
        '--election-timeout=500',
      ],
      { stdio: 'ignore' },
    );
    extra.push(moved);
    await waitUntil('the moved member to serve', async () => (await statusOf(mover.clientUrl)).leader !== 0n, {
      timeoutMs: 20_000,
    });
    const before = acked.size;
    await waitUntil('writes to go on after the changes', async () => acked.size > before + 20, { timeoutMs: 20_000 });
    writing = false;
    await writer;
    client.close();

    const live = [clientUrl, ...survivors.map((m) => m.clientUrl)];
    const reader = new KvClient({ endpoints: live, callTimeoutMs: 5000 });
    try {
      const all = await reader.get('m/', { prefix: true });
      const stored = new Map(all.kvs.map((kv) => [kv.key.toString(), kv.value.toString()]));
      expect([...acked].filter(([k, v]) => stored.get(k) !== v)).toEqual([]);
      const revision = all.header.revision;
      const hashes: number[] = [];
      for (const url of live) {
        await waitUntil(
          `${url} to reach revision ${revision}`,
          async () => (await statusOf(url)).header.revision >= revision,
          {
            timeoutMs: 20_000,
          },
        );
        const c = new KvClient({ endpoints: [url], callTimeoutMs: 5000 });
        try {
          hashes.push((await c.maintenance.hashKv(revision, { endpoint: url })).hash);
        } finally {
          c.close();
        }
      }
      expect(new Set(hashes).size).toBe(1);
      expect(etcdctl(live, ['member', 'list']).out.trim().split('\n')).toHaveLength(3);
    } finally {
      reader.close();
    }
    // the learner that became a voter is still serving
    expect(learner.exitCode).toBeNull();
  }, 180_000);
});
