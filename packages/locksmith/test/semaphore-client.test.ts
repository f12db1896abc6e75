import type { Logger } from '@coreos-ts/grpc-kit';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../src/client/backoff.js';
import { SemaphoreClient, type SemaphoreClientOptions } from '../src/client/semaphore-client.js';
import { LocksmithError } from '../src/errors.js';
import { livenessKey, semaphoreKey } from '../src/semaphore/keys.js';
import { MemorySemaphoreStore } from '../src/testing/index.js';

function recordingLogger() {
  const records: { level: string; fields: object; msg: string }[] = [];
  const log: Logger = {
    debug: (fields, msg) => records.push({ level: 'debug', fields, msg }),
    info: (fields, msg) => records.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => records.push({ level: 'warn', fields, msg }),
    error: (fields, msg) => records.push({ level: 'error', fields, msg }),
    child: () => log,
  };
  return { log, records };
}

function setup(options: Partial<SemaphoreClientOptions> = {}) {
  const store = new MemorySemaphoreStore();
  const sleeps: number[] = [];
  const client = new SemaphoreClient({
    store,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.999,
    ...options,
  });
  return { store, client, sleeps };
}

async function expectLocksmithError(promise: Promise<unknown>, code: string, message?: RegExp) {
  const err = await promise.then(
    () => expect.unreachable('expected an error'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LocksmithError);
  expect((err as LocksmithError).code).toBe(code);
  if (message) expect((err as LocksmithError).message).toMatch(message);
}

describe('SemaphoreClient', () => {
  it('status creates the semaphore as locksmith does', async () => {
    const { store, client } = setup();
    expect(await client.status()).toEqual({ semaphore: 1, max: 1, holders: null });
    expect((await store.get(semaphoreKey()))?.value).toBe('{"semaphore":1,"max":1,"holders":null}');
  });

  it('lock, recursive lock, unlock: the stored bytes follow locksmith', async () => {
    const { store, client } = setup();
    expect(await client.lock('m1')).toEqual({
      alreadyHeld: false,
      semaphore: { semaphore: 0, max: 1, holders: ['m1'] },
    });
    const revision = (await store.get(semaphoreKey()))?.modRevision;
    expect(await client.lock('m1')).toMatchObject({ alreadyHeld: true });
    expect((await store.get(semaphoreKey()))?.modRevision).toBe(revision);
    await expectLocksmithError(client.lock('m2'), 'semaphore-full', /semaphore is at 0/);
    await client.unlock('m1');
    expect((await store.get(semaphoreKey()))?.value).toBe('{"semaphore":1,"max":1,"holders":[]}');
  });

  it('unlock by a non-holder fails; unlockIfHeld does not', async () => {
    const { client } = setup();
    await expectLocksmithError(client.unlock('ghost'), 'not-holder', /ghost/);
    expect(await client.unlockIfHeld('ghost')).toMatchObject({ wasHeld: false });
    await client.lock('m1');
    expect(await client.unlockIfHeld('m1')).toMatchObject({ wasHeld: true, semaphore: { holders: [] } });
  });

  it('groups are separate semaphores under their escaped keys', async () => {
    const { store, client } = setup();
    await client.lock('m1', 'prod/db');
    await client.lock('m1');
    expect((await store.get(semaphoreKey('prod/db')))?.value).toBe('{"semaphore":0,"max":1,"holders":["m1"]}');
    expect(await store.exists('coreos.com/updateengine/rebootlock/groups/prod%2Fdb/semaphore')).toBe(true);
    await expectLocksmithError(client.lock('m1', 'g'.repeat(300)), 'invalid-argument', /group/);
  });

  it('setMax reports old and new max', async () => {
    const { client } = setup();
    await client.lock('a');
    expect(await client.setMax(3)).toEqual({ oldMax: 1, max: 3, semaphore: { semaphore: 2, max: 3, holders: ['a'] } });
    await client.lock('b');
    expect(await client.setMax(1)).toMatchObject({ oldMax: 3, max: 1, semaphore: { semaphore: -1 } });
    await expectLocksmithError(client.setMax(-3), 'invalid-argument', /max/);
  });

  it('retries a lost race and succeeds on the next attempt', async () => {
    const { store, client, sleeps } = setup();
    await client.status();
    let races = 1;
    store.interfere((key) => {
      if (races-- > 0) store.put(key, '{"semaphore":1,"max":2,"holders":["other"]}');
    });
    const result = await client.lock('m1');
    expect(result.semaphore).toEqual({ semaphore: 0, max: 2, holders: ['m1', 'other'] });
    expect(store.compareAndSwapCalls).toBe(2);
    expect(sleeps).toHaveLength(1);
  });

  it('gives up with contention after a bounded number of attempts, backing off capped', async () => {
    const { store, client, sleeps } = setup({ casAttemptsMax: 6, casBackoff: { initialMs: 10, maxMs: 40 } });
    await client.status();
    store.interfere((key) => store.put(key, '{"semaphore":1,"max":1,"holders":null}'));
    await expectLocksmithError(client.lock('m1'), 'contention', /6 attempts/);
    expect(store.compareAndSwapCalls).toBe(6);
    // jitter with random ~1 gives the full delay: 10, 20, 40, 40, 40 (no sleep after the last)
    expect(sleeps).toEqual([10, 20, 40, 40, 40]);
  });

  it('a corrupt stored value is an error, never overwritten', async () => {
    const { store, client } = setup();
    store.put(semaphoreKey(), 'garbage');
    await expectLocksmithError(client.lock('m1'), 'corrupt-semaphore');
    expect((await store.get(semaphoreKey()))?.value).toBe('garbage');
  });

  it('backoffDelayMs doubles up to the cap', () => {
    const policy = { initialMs: 5000, maxMs: 300_000 };
    expect([1, 2, 3, 4, 6, 7, 100].map((a) => backoffDelayMs(policy, a))).toEqual([
      5000, 10_000, 20_000, 40_000, 160_000, 300_000, 300_000,
    ]);
  });
});

describe('liveness and stale holders', () => {
  it('does not touch liveness keys when off (the default)', async () => {
    const { store, client } = setup();
    await client.lock('m1');
    expect(await store.exists(livenessKey('', 'm1'))).toBe(false);
  });

  it('a holder keeps a lease-bound key while it holds, and drops it on unlock', async () => {
    const { store, client } = setup({ livenessLeaseTtlSeconds: 30 });
    await client.lock('m1', 'web');
    expect(store.leaseTtlOf(livenessKey('web', 'm1'))).toBe(30);
    await client.unlock('m1', 'web');
    expect(await store.exists(livenessKey('web', 'm1'))).toBe(false);
  });

  it('releases a holder only after its key has been absent longer than the TTL, and logs why', async () => {
    const { log, records } = recordingLogger();
    const { store, client } = setup({ livenessLeaseTtlSeconds: 30, log });
    await client.setMax(3);
    await client.lock('dead');
    await client.lock('alive');
    store.expireLiveness(livenessKey('', 'dead'));
    const ttl = 60_000;
    expect(await client.releaseStaleHolders(1_000_000, ttl)).toEqual([]);
    expect(await client.releaseStaleHolders(1_000_000 + ttl, ttl)).toEqual([]);
    expect(await client.releaseStaleHolders(1_000_001 + ttl, ttl)).toEqual([{ id: 'dead', absentForMs: ttl + 1 }]);
    expect(await client.status()).toEqual({ semaphore: 2, max: 3, holders: ['alive'] });
    const warning = records.find((r) => r.msg === 'released stale reboot lock');
    expect(warning?.fields).toMatchObject({ id: 'dead', why: expect.stringContaining('liveness key absent') });
  });

  it('a holder whose key comes back before the TTL starts over', async () => {
    const { store, client } = setup({ livenessLeaseTtlSeconds: 30 });
    await client.lock('flaky');
    store.expireLiveness(livenessKey('', 'flaky'));
    await client.releaseStaleHolders(0, 1000);
    await store.putLiveness(livenessKey('', 'flaky'), 30);
    await client.releaseStaleHolders(500, 1000);
    store.expireLiveness(livenessKey('', 'flaky'));
    expect(await client.releaseStaleHolders(1200, 1000)).toEqual([]);
    expect(await client.releaseStaleHolders(2201, 1000)).toEqual([{ id: 'flaky', absentForMs: 1001 }]);
  });
});
