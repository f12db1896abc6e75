import { spawnSync } from 'node:child_process';
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { v3electionpb, v3lockpb } from '@coreos-ts/proto';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvdBackend, requireKvdBuilt } from './backends.js';

// The Lock and Election services, driven by gRPC clients generated from proto/, and
// etcdctl move-leader.

function call<T>(fn: (cb: (err: ServiceError | null, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res as T))));
}

describe('kvd Lock and Election services', () => {
  let cluster: RunningCluster;
  let kv: KvClient;
  let target: string;

  beforeAll(async () => {
    requireKvdBuilt();
    cluster = await startCluster({ size: 3, binary: kvdBackend.binary });
    kv = new KvClient({ endpoints: cluster.endpoints, callTimeoutMs: 5000 });
    target = new URL(cluster.endpoints[0] as string).host;
  });
  afterAll(async () => {
    kv?.close();
    await cluster?.stop();
  });

  it('Lock blocks a second holder until the first unlocks', async () => {
    const lock = new v3lockpb.LockClient(target, credentials.createInsecure());
    try {
      const a = await kv.lease.grant(30);
      const b = await kv.lease.grant(30);
      const first = await call<v3lockpb.LockResponse>((cb) =>
        lock.lock(v3lockpb.LockRequest.fromPartial({ name: Buffer.from('svc-lock'), lease: a.id }), cb),
      );
      expect(first.key.toString()).toBe(`svc-lock/${a.id.toString(16)}`);
      let secondDone = false;
      const second = call<v3lockpb.LockResponse>((cb) =>
        lock.lock(v3lockpb.LockRequest.fromPartial({ name: Buffer.from('svc-lock'), lease: b.id }), cb),
      ).then((r) => {
        secondDone = true;
        return r;
      });
      // the second waits on the first's key: a write after it and a read show it still waiting
      await kv.put('svc-lock-probe', 'x');
      expect((await kv.get('svc-lock/', { prefix: true })).kvs).toHaveLength(2);
      expect(secondDone).toBe(false);
      await call((cb) => lock.unlock(v3lockpb.UnlockRequest.fromPartial({ key: first.key }), cb));
      const got = await second;
      expect(got.key.toString()).toBe(`svc-lock/${b.id.toString(16)}`);
    } finally {
      lock.close();
    }
  });

  it('Election: campaign, leader, proclaim, observe, resign', async () => {
    const election = new v3electionpb.ElectionClient(target, credentials.createInsecure());
    try {
      const lease = await kv.lease.grant(30);
      const name = Buffer.from('svc-election');
      const won = await call<v3electionpb.CampaignResponse>((cb) =>
        election.campaign(
          v3electionpb.CampaignRequest.fromPartial({ name, lease: lease.id, value: Buffer.from('a') }),
          cb,
        ),
      );
      const leader = won.leader as v3electionpb.LeaderKey;
      expect(leader.key.toString()).toBe(`svc-election/${lease.id.toString(16)}`);
      const now = await call<v3electionpb.LeaderResponse>((cb) => election.leader({ name }, cb));
      expect(now.kv?.value.toString()).toBe('a');

      const observed: string[] = [];
      const stream = election.observe({ name }, new Metadata());
      const sawProclaim = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`observed only ${observed.join(',')}`)), 10_000);
        stream.on('data', (r: v3electionpb.LeaderResponse) => {
          observed.push(r.kv?.value.toString() ?? '');
          if (observed.includes('b')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      await new Promise<void>((resolve) => stream.once('data', () => resolve()));
      await call((cb) =>
        election.proclaim(v3electionpb.ProclaimRequest.fromPartial({ leader, value: Buffer.from('b') }), cb),
      );
      await sawProclaim;
      expect(observed).toEqual(['a', 'b']);
      stream.on('error', () => {}); // the cancellation arrives as a CANCELLED error
      stream.cancel();

      const stale = { ...leader, rev: leader.rev + 1000n };
      await expect(
        call((cb) =>
          election.proclaim(v3electionpb.ProclaimRequest.fromPartial({ leader: stale, value: Buffer.from('c') }), cb),
        ),
      ).rejects.toMatchObject({ details: 'election: not leader' });
      await call((cb) => election.resign(v3electionpb.ResignRequest.fromPartial({ leader }), cb));
      await expect(call((cb) => election.leader({ name }, cb))).rejects.toMatchObject({
        details: 'election: no leader',
      });
    } finally {
      election.close();
    }
  });

  it('etcdctl move-leader transfers leadership to the named member', async () => {
    const statuses = await Promise.all(cluster.members.map((m) => kv.maintenance.status({ endpoint: m.clientUrl })));
    const leaderId = statuses[0]?.leader as bigint;
    const follower = statuses.find((s) => s.header.memberId !== leaderId)?.header.memberId as bigint;
    const r = spawnSync(
      requireTool('etcdctl', 'apt-get install etcd-client'),
      [`--endpoints=${cluster.endpoints.join(',')}`, 'move-leader', follower.toString(16)],
      { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' },
    );
    expect(r.stdout, r.stderr).toBe(
      `Leadership transferred from ${leaderId.toString(16)} to ${follower.toString(16)}\n`,
    );
    const after = await kv.maintenance.status({ endpoint: cluster.endpoints[0] as string });
    expect(after.leader).toBe(follower);
  });
});
