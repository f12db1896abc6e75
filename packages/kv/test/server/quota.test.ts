import { KvClient, NoSpaceError } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvdBackend, requireKvdBuilt } from './backends.js';

describe('--quota-backend-bytes', () => {
  let cluster: RunningCluster;
  let client: KvClient;

  beforeAll(async () => {
    requireKvdBuilt();
    cluster = await startCluster({ size: 3, binary: kvdBackend.binary, args: ['--quota-backend-bytes=300000'] });
    client = new KvClient({ endpoints: cluster.endpoints, callTimeoutMs: 5000 });
  });
  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('raises NOSPACE and refuses writes with etcd error, while reads, deletes and compaction work', async () => {
    const value = 'x'.repeat(4096);
    let refused: unknown;
    for (let i = 0; i < 2000 && refused === undefined; i++) {
      try {
        await client.put(`q/${i}`, value);
      } catch (err) {
        refused = err;
      }
    }
    expect(refused).toBeInstanceOf(NoSpaceError);
    expect((refused as Error).message).toContain('etcdserver: mvcc: database space exceeded');
    // the alarm is raised for the cluster to see (the size check runs once a second)
    const deadline = Date.now() + 10_000;
    let alarms = await client.maintenance.alarmList();
    while (!alarms.some((a) => a.alarm === 'nospace') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      alarms = await client.maintenance.alarmList();
    }
    expect(alarms.some((a) => a.alarm === 'nospace')).toBe(true);
    await expect(client.put('q/more', 'v')).rejects.toBeInstanceOf(NoSpaceError);

    // the alarm is part of the replicated state: a restarted member still has it
    const member = cluster.members[0];
    if (!member) throw new Error('no member');
    await member.kill('SIGKILL');
    await member.restart();
    const pinned = new KvClient({ endpoints: [member.clientUrl] });
    try {
      expect((await pinned.maintenance.alarmList()).some((a) => a.alarm === 'nospace')).toBe(true);
    } finally {
      pinned.close();
    }

    const read = await client.get('q/0');
    expect(read.kvs[0]?.value.toString()).toBe(value);
    const deleted = await client.delete('q/', { prefix: true });
    expect(deleted.deleted).toBeGreaterThan(0n);
    const header = await client.compact(deleted.header.revision, { physical: true });
    expect(header.revision).toBeGreaterThanOrEqual(deleted.header.revision);

    // the runbook: compact, defragment every member, disarm, write again
    const before = await Promise.all(cluster.endpoints.map((endpoint) => client.maintenance.status({ endpoint })));
    for (const endpoint of cluster.endpoints) await client.maintenance.defragment({ endpoint });
    const after = await Promise.all(cluster.endpoints.map((endpoint) => client.maintenance.status({ endpoint })));
    for (const [i, s] of after.entries()) {
      expect(s.dbSize).toBeLessThan((before[i] as { dbSize: bigint }).dbSize);
      expect(s.dbSize).toBeLessThan(300_000n);
    }
    await client.maintenance.alarmDisarm();
    expect(await client.maintenance.alarmList()).toEqual([]);
    const again = await client.put('q/after', 'space is back');
    expect(again.header.revision).toBeGreaterThan(deleted.header.revision);
  }, 120_000);
});
