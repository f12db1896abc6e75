import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocksmithError } from '../src/errors.js';
import { KvSemaphoreStore } from '../src/store/kv-semaphore-store.js';
import { kvBackends, requireBackend } from './kv-backends.js';
import { runSemaphoreStoreConformance } from './semaphore-store-conformance.js';

describe.each(kvBackends)('KvSemaphoreStore on $name', (backend) => {
  let cluster: RunningCluster;
  const clients: KvClient[] = [];
  const stores: KvSemaphoreStore[] = [];

  beforeAll(async () => {
    requireBackend(backend);
    cluster = await startCluster({ size: 3, binary: backend.binary });
  });

  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  const newStore = () => {
    const client = new KvClient({ endpoints: cluster.endpoints });
    clients.push(client);
    const store = new KvSemaphoreStore({ client });
    stores.push(store);
    return { client, store };
  };

  runSemaphoreStoreConformance(backend.name, async () => newStore().store);

  it('liveness keys are bound to a lease of the asked TTL, and vanish when the store closes', async () => {
    const { client, store } = newStore();
    const key = `liveness/${backend.name}/${Date.now()}`;
    await store.putLiveness(key, 7);
    const kv = await client.getKv(key);
    expect(kv?.lease).not.toBe(0n);
    const ttl = await client.lease.timeToLive(kv!.lease);
    expect(ttl.grantedTtlSeconds).toBe(7n);
    await store.close();
    expect(await client.getKv(key)).toBeUndefined();
    expect((await client.lease.timeToLive(kv!.lease)).ttlSeconds).toBe(-1n);
  });

  it('a lost lease is replaced: the next putLiveness grants a new one', async () => {
    const { client, store } = newStore();
    const key = `liveness-lost/${backend.name}/${Date.now()}`;
    await store.putLiveness(key, 30);
    const first = (await client.getKv(key))!.lease;
    await client.lease.revoke(first);
    expect(await store.exists(key)).toBe(false);
    // the put on the revoked lease is refused (lease not found): the store grants a new lease
    await store.putLiveness(key, 30);
    const second = (await client.getKv(key))?.lease;
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect((await client.lease.timeToLive(second!)).grantedTtlSeconds).toBe(30n);
  });

  it('an unreachable store fails with store-unavailable', async () => {
    const client = new KvClient({ endpoints: ['127.0.0.1:1'], dialTimeoutMs: 200, callTimeoutMs: 500 });
    clients.push(client);
    const store = new KvSemaphoreStore({ client });
    const failure = await store.get('k').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(LocksmithError);
    expect((failure as LocksmithError).code).toBe('store-unavailable');
    await expect(store.compareAndSwap('k', 1n, 'v')).rejects.toMatchObject({ code: 'store-unavailable' });
  });
});
