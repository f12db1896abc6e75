import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvdBackend, requireKvdBuilt } from './backends.js';

describe('a member that was down while the others compacted their logs', () => {
  let cluster: RunningCluster;

  beforeAll(async () => {
    requireKvdBuilt();
    cluster = await startCluster({
      size: 3,
      binary: kvdBackend.binary,
      args: ['--snapshot-count=100', '--experimental-snapshot-catchup-entries=20'],
      readyTimeoutMs: 30_000,
    });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('catches up through a snapshot sent by the leader and ends with the same HashKV', async () => {
    // a follower goes down (taking the leader down would add an election to what is tested)
    const probe = new KvClient({ endpoints: cluster.endpoints });
    const statuses = await Promise.all(cluster.members.map((m) => probe.maintenance.status({ endpoint: m.clientUrl })));
    probe.close();
    const late = cluster.members[statuses.findIndex((s) => s.leader !== s.header.memberId)];
    if (!late) throw new Error('no follower');
    await late.kill('SIGKILL');
    const up = cluster.members.filter((m) => m !== late).map((m) => m.clientUrl);
    const client = new KvClient({ endpoints: up, callTimeoutMs: 15_000 });
    try {
      for (let i = 0; i < 400; i++) await client.put(`snap/${i % 50}`, `v${i}`);
      await client.delete('snap/7');
      const head = await client.get('snap/', { prefix: true });
      expect(head.kvs).toHaveLength(49);

      await late.restart();
      const lateClient = new KvClient({ endpoints: [late.clientUrl], callTimeoutMs: 5000 });
      try {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const r = await lateClient.get('snap/', { prefix: true, serializable: true });
          if (r.header.revision >= head.header.revision) break;
          if (Date.now() > deadline) throw new Error(`late member stuck at ${r.header.revision}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // the member logs the install right after it (the store is readable a moment earlier)
        await waitUntil(
          'the late member to log its snapshot install',
          async () => late.log().includes('installed snapshot from leader'),
          { timeoutMs: 5000 },
        );
        const rev = head.header.revision;
        const mine = await lateClient.get('snap/', { prefix: true, serializable: true, revision: rev });
        expect(mine.kvs.map((kv) => kv.value.toString())).toEqual(head.kvs.map((kv) => kv.value.toString()));
        const hashes = await Promise.all(
          cluster.members.map(async (m) => {
            const c = new KvClient({ endpoints: [m.clientUrl], callTimeoutMs: 5000 });
            try {
              return (await c.maintenance.hashKv(rev, { endpoint: m.clientUrl })).hash;
            } finally {
              c.close();
            }
          }),
        );
        expect(new Set(hashes).size).toBe(1);
      } finally {
        lateClient.close();
      }
    } finally {
      client.close();
    }
  }, 120_000);
});
