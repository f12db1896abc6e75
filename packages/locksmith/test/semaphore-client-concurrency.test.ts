import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { LocksmithError } from '../src/errors.js';
import { semaphoreKey } from '../src/semaphore/keys.js';
import { decodeSemaphore } from '../src/semaphore/semaphore.js';
import type { SemaphoreStore } from '../src/store/semaphore-store.js';
import { MemorySemaphoreStore } from '../src/testing/index.js';

/** Every store call waits for the fast-check scheduler, so calls of many clients interleave at random. */
function scheduledStore(inner: SemaphoreStore, s: fc.Scheduler): SemaphoreStore {
  const later = <T>(label: string, fn: () => Promise<T>) => s.schedule(Promise.resolve(label)).then(fn);
  return {
    get: (key) => later('get', () => inner.get(key)),
    createIfAbsent: (key, value) => later('create', () => inner.createIfAbsent(key, value)),
    compareAndSwap: (key, rev, value) => later('cas', () => inner.compareAndSwap(key, rev, value)),
    putLiveness: (key, ttl) => later('live', () => inner.putLiveness(key, ttl)),
    deleteLiveness: (key) => later('unlive', () => inner.deleteLiveness(key)),
    exists: (key) => later('exists', () => inner.exists(key)),
  };
}

const clientOps = fc.array(fc.constantFrom('lock', 'unlock'), { minLength: 1, maxLength: 6 });

describe('SemaphoreClient under concurrency (random interleavings of store calls)', () => {
  it('concurrent clients never exceed max, and the final holders are exactly the clients that hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 3 }),
        fc.array(clientOps, { minLength: 2, maxLength: 5 }),
        async (s, max, plans) => {
          const memory = new MemorySemaphoreStore();
          const setup = new SemaphoreClient({ store: memory });
          await setup.setMax(max);
          // check every value ever written
          const written: string[] = [];
          const store = scheduledStore(memory, s);
          const recording: SemaphoreStore = {
            ...store,
            compareAndSwap: async (key, rev, value) => {
              const ok = await store.compareAndSwap(key, rev, value);
              if (ok) written.push(value);
              return ok;
            },
          };
          const holds = new Map<string, boolean>();
          const runClient = async (ops: string[], index: number) => {
            const id = `m${index}`;
            const client = new SemaphoreClient({ store: recording, casAttemptsMax: 100, sleep: async () => {} });
            for (const op of ops) {
              try {
                if (op === 'lock') {
                  await client.lock(id);
                  holds.set(id, true);
                } else {
                  await client.unlockIfHeld(id);
                  holds.set(id, false);
                }
              } catch (err) {
                expect(err).toBeInstanceOf(LocksmithError);
                expect((err as LocksmithError).code).toBe('semaphore-full');
              }
            }
          };
          const all = Promise.all(plans.map(runClient));
          await s.waitFor(all);
          for (const value of written) {
            const sem = decodeSemaphore(value);
            expect((sem.holders ?? []).length).toBeLessThanOrEqual(max);
            expect(sem.semaphore).toBe(max - (sem.holders ?? []).length);
          }
          const final = decodeSemaphore((await memory.get(semaphoreKey()))!.value);
          const expected = [...holds].filter(([, held]) => held).map(([id]) => id);
          expect([...(final.holders ?? [])].sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
