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

    const read = await client.get('q/0');
    expect(read.kvs[0]?.value.toString()).toBe(value);
    const deleted = await client.delete('q/', { prefix: true });
    expect(deleted.deleted).toBeGreaterThan(0n);
    const header = await client.compact(deleted.header.revision, { physical: true });
    expect(header.revision).toBeGreaterThanOrEqual(deleted.header.revision);
  }, 120_000);
});
