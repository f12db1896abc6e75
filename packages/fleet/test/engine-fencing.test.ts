import { Election, KvClient, Session } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotLeaderAnymore, writeFenced } from '../src/engine/fenced-write.js';

describe('fenced engine writes (real etcd)', () => {
  let etcd: RunningCluster;
  let client: KvClient;

  beforeAll(async () => {
    etcd = await startCluster({ size: 3, binary: 'etcd' });
    client = new KvClient({ endpoints: etcd.endpoints });
  });

  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  it('lands while leading and is refused once the leader lease is gone (a deposed leader)', async () => {
    const session = await Session.create(client, { ttlSeconds: 5 });
    const election = new Election(session, '/fence-test/engine-leader');
    await election.campaign('m1');
    const fence = { key: election.key, revision: election.revision };
    expect(await writeFenced(client, fence, [{ kind: 'put', key: '/fence-test/a', value: '1' }], 100)).toBe(1);

    await client.lease.revoke(session.leaseId); // as if the lease expired during a long pause
    const other = await Session.create(client, { ttlSeconds: 5 });
    const next = new Election(other, '/fence-test/engine-leader');
    await next.campaign('m2');

    const many = Array.from({ length: 250 }, (_, i) => ({
      kind: 'put' as const,
      key: `/fence-test/b${i}`,
      value: 'x',
    }));
    await expect(writeFenced(client, fence, many, 100)).rejects.toBeInstanceOf(NotLeaderAnymore);
    expect((await client.get('/fence-test/b', { prefix: true, countOnly: true })).count).toBe(0n);
    // the new leader writes in chunks below etcd's ops-per-txn limit
    expect(await writeFenced(client, { key: next.key, revision: next.revision }, many, 100)).toBe(250);
    session.orphan();
    await other.close();
  });
});
