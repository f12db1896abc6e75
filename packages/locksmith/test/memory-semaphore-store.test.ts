import { describe, expect, it } from 'vitest';
import { MemorySemaphoreStore } from '../src/testing/index.js';
import { runSemaphoreStoreConformance } from './semaphore-store-conformance.js';

runSemaphoreStoreConformance('memory', async () => new MemorySemaphoreStore());

describe('MemorySemaphoreStore test hooks', () => {
  it('expireLiveness removes a liveness key, and refuses other keys', async () => {
    const store = new MemorySemaphoreStore();
    await store.putLiveness('live', 10);
    expect(store.leaseTtlOf('live')).toBe(10);
    store.expireLiveness('live');
    expect(await store.exists('live')).toBe(false);
    store.put('plain', 'v');
    expect(() => store.expireLiveness('plain')).toThrow(/not a liveness key/);
  });

  it('interfere runs a racing write before the swap compares', async () => {
    const store = new MemorySemaphoreStore();
    await store.createIfAbsent('k', 'a');
    const read = await store.get('k');
    store.interfere((key) => store.put(key, 'racer'));
    expect(await store.compareAndSwap('k', read!.modRevision, 'mine')).toBe(false);
    expect((await store.get('k'))?.value).toBe('racer');
  });
});
