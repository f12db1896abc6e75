import { describe, expect, it } from 'vitest';
import type { SemaphoreStore } from '../src/store/semaphore-store.js';

/**
 * The contract every SemaphoreStore keeps. The in-memory store runs it here; the kv-client
 * store runs it against kvd and a real etcd with `runSemaphoreStoreConformance(name, factory)`.
 * `factory` returns a fresh store, and keys are unique per test, so a shared cluster works.
 */
export function runSemaphoreStoreConformance(name: string, factory: () => Promise<SemaphoreStore>): void {
  let n = 0;
  const freshKey = () => `conformance/${name}/${process.pid}/${Date.now()}/${n++}`;

  describe(`SemaphoreStore conformance: ${name}`, () => {
    it('get of an absent key is undefined', async () => {
      const store = await factory();
      expect(await store.get(freshKey())).toBeUndefined();
    });

    it('createIfAbsent creates once and never overwrites', async () => {
      const store = await factory();
      const key = freshKey();
      expect(await store.createIfAbsent(key, 'first')).toBe(true);
      expect(await store.createIfAbsent(key, 'second')).toBe(false);
      expect((await store.get(key))?.value).toBe('first');
    });

    it('compareAndSwap writes only at the expected mod revision', async () => {
      const store = await factory();
      const key = freshKey();
      await store.createIfAbsent(key, 'v1');
      const v1 = await store.get(key);
      expect(v1).toBeDefined();
      expect(await store.compareAndSwap(key, v1!.modRevision, 'v2')).toBe(true);
      const v2 = await store.get(key);
      expect(v2?.value).toBe('v2');
      expect(v2!.modRevision > v1!.modRevision).toBe(true);
      // The old revision is stale now: the swap must fail and leave v2 in place.
      expect(await store.compareAndSwap(key, v1!.modRevision, 'v3')).toBe(false);
      expect((await store.get(key))?.value).toBe('v2');
    });

    it('compareAndSwap on an absent key fails and creates nothing', async () => {
      const store = await factory();
      const key = freshKey();
      expect(await store.compareAndSwap(key, 1n, 'v')).toBe(false);
      expect(await store.get(key)).toBeUndefined();
    });

    it('two swaps from the same read: exactly one wins', async () => {
      const store = await factory();
      const key = freshKey();
      await store.createIfAbsent(key, 'base');
      const base = await store.get(key);
      const results = await Promise.all([
        store.compareAndSwap(key, base!.modRevision, 'a'),
        store.compareAndSwap(key, base!.modRevision, 'b'),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.get(key))?.value).toBe(results[0] ? 'a' : 'b');
    });

    it('values round-trip byte for byte', async () => {
      const store = await factory();
      const key = freshKey();
      const value = '{"semaphore":0,"max":1,"holders":["\\u003cé😀"]}';
      await store.createIfAbsent(key, value);
      expect((await store.get(key))?.value).toBe(value);
    });

    it('liveness keys exist until deleted', async () => {
      const store = await factory();
      const key = freshKey();
      expect(await store.exists(key)).toBe(false);
      await store.putLiveness(key, 30);
      expect(await store.exists(key)).toBe(true);
      await store.putLiveness(key, 30);
      expect(await store.exists(key)).toBe(true);
      await store.deleteLiveness(key);
      expect(await store.exists(key)).toBe(false);
      await store.deleteLiveness(key);
      expect(await store.exists(key)).toBe(false);
    });
  });
}
