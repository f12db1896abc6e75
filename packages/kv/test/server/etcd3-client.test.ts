import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { Etcd3, type IKeyValue } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, kvdBackend, requireKvdBuilt } from './backends.js';

// The npm `etcd3` client (an independent implementation of the etcd v3 protocol) against both
// servers: crud, txn, watch, lease, lock, election.

function nextEvent<T>(emitter: { once(event: string, fn: (value: T) => void): unknown }, event: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event within 10 s`)), 10_000);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

describe.each(backends)('the etcd3 npm client against a 3-member $name cluster', (backend) => {
  let cluster: RunningCluster;
  let client: Etcd3;

  beforeAll(async () => {
    if (backend === kvdBackend) requireKvdBuilt();
    cluster = await startCluster({ size: 3, binary: backend.binary });
    client = new Etcd3({ hosts: cluster.endpoints });
  });
  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('crud', async () => {
    await client.put('crud/a').value('1');
    await client.put('crud/b').value('2');
    expect(await client.get('crud/a').string()).toBe('1');
    expect(await client.getAll().prefix('crud/').strings()).toEqual({ 'crud/a': '1', 'crud/b': '2' });
    expect(await client.getAll().prefix('crud/').count()).toBe(2);
    expect(await client.delete().key('crud/a').exec()).toMatchObject({ deleted: '1' });
    expect(await client.get('crud/a').string()).toBeNull();
  });

  it('txn: compare and swap', async () => {
    await client.put('txn/k').value('old');
    const won = await client.if('txn/k', 'Value', '==', 'old').then(client.put('txn/k').value('new')).commit();
    expect(won.succeeded).toBe(true);
    const lost = await client.if('txn/k', 'Value', '==', 'old').then(client.put('txn/k').value('other')).commit();
    expect(lost.succeeded).toBe(false);
    expect(await client.get('txn/k').string()).toBe('new');
  });

  it('watch sees puts and deletes in order', async () => {
    const watcher = await client.watch().prefix('watch/').create();
    try {
      const put = nextEvent<IKeyValue>(watcher, 'put');
      await client.put('watch/x').value('1');
      expect((await put).value.toString()).toBe('1');
      const del = nextEvent<IKeyValue>(watcher, 'delete');
      await client.delete().key('watch/x');
      expect((await del).key.toString()).toBe('watch/x');
    } finally {
      await watcher.cancel();
    }
  });

  it('lease: keys live with the lease and go with its revoke', async () => {
    const lease = client.lease(30);
    await lease.put('lease/k').value('v');
    expect(await client.get('lease/k').string()).toBe('v');
    const alive = await lease.keepaliveOnce();
    expect(Number(alive.TTL)).toBe(30);
    await lease.revoke();
    expect(await client.get('lease/k').string()).toBeNull();
  });

  it('lock: a held lock refuses a second acquirer until released', async () => {
    const a = client.lock('the-lock');
    await a.acquire();
    const other = new Etcd3({ hosts: [cluster.endpoints[1] as string] });
    try {
      await expect(other.lock('the-lock').acquire()).rejects.toThrow();
      await a.release();
      const b = other.lock('the-lock');
      await b.acquire();
      await b.release();
    } finally {
      other.close();
    }
  });

  it('election: a campaign is elected and an observer sees its leader', async () => {
    const election = client.election('the-election');
    const campaign = election.campaign('node-1');
    await nextEvent(campaign, 'elected');
    expect(await election.leader()).toBe('node-1');
    const observer = await client.election('the-election').observe();
    try {
      expect(observer.leader()).toBe('node-1');
    } finally {
      await observer.cancel();
    }
    await campaign.resign();
  });
});
