import { type RunningServer, serverCredentials, silentLogger, startServer } from '@coreos-ts/grpc-kit';
import { locksmithpb } from '@coreos-ts/proto';
import { credentials, type ServiceError, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { createLocksmithService } from '../src/grpc/locksmith-service.js';
import { semaphoreKey } from '../src/semaphore/keys.js';
import type { SemaphoreStore } from '../src/store/semaphore-store.js';
import { MemorySemaphoreStore } from '../src/testing/index.js';
import { failingStore } from './failing-store.js';

let server: RunningServer | undefined;
let grpcClient: locksmithpb.LocksmithClient | undefined;
afterEach(async () => {
  grpcClient?.close();
  await server?.stop(100);
  server = undefined;
});

async function start(store: SemaphoreStore = new MemorySemaphoreStore()) {
  const client = new SemaphoreClient({ store, sleep: async () => {} });
  server = await startServer({
    address: '127.0.0.1:0',
    credentials: serverCredentials(undefined),
    log: silentLogger,
    services: [createLocksmithService(client)],
  });
  grpcClient = new locksmithpb.LocksmithClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  return { store, rpc: grpcClient };
}

function call<T>(fn: (cb: (err: ServiceError | null, res?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res as T))));
}

describe('locksmith.v1.Locksmith over gRPC', () => {
  it('status, lock, recursive lock, set-max, unlock', async () => {
    const { rpc, store } = await start();
    const status0 = await call<locksmithpb.StatusResponse>((cb) => rpc.status({ group: '' }, cb));
    expect(status0.semaphore).toEqual({ semaphore: 1, max: 1, holders: [] });

    const locked = await call<locksmithpb.LockResponse>((cb) => rpc.lock({ group: '', id: 'm1' }, cb));
    expect(locked).toEqual({ alreadyHeld: false, semaphore: { semaphore: 0, max: 1, holders: ['m1'] } });
    const again = await call<locksmithpb.LockResponse>((cb) => rpc.lock({ group: '', id: 'm1' }, cb));
    expect(again.alreadyHeld).toBe(true);

    const max = await call<locksmithpb.SetMaxResponse>((cb) => rpc.setMax({ group: '', max: 3 }, cb));
    expect(max).toEqual({ oldMax: 1, max: 3, semaphore: { semaphore: 2, max: 3, holders: ['m1'] } });

    await call<locksmithpb.UnlockResponse>((cb) => rpc.unlock({ group: '', id: 'm1' }, cb));
    expect((await store.get(semaphoreKey()))?.value).toBe('{"semaphore":3,"max":3,"holders":[]}');
  });

  it('works per group', async () => {
    const { rpc, store } = await start();
    await call((cb) => rpc.lock({ group: 'prod/db', id: 'm1' }, cb));
    expect((await store.get(semaphoreKey('prod/db')))?.value).toBe('{"semaphore":0,"max":1,"holders":["m1"]}');
    expect(await store.get(semaphoreKey())).toBeUndefined();
  });

  it.each([
    ['a full semaphore', 'lock', { group: '', id: 'other' }, status.RESOURCE_EXHAUSTED, /semaphore is at 0/],
    [
      'unlock by a non-holder',
      'unlock',
      { group: '', id: 'ghost' },
      status.FAILED_PRECONDITION,
      /holder does not exist/,
    ],
    ['an empty id', 'lock', { group: '', id: '' }, status.INVALID_ARGUMENT, /must not be empty/],
    ['a negative max', 'setMax', { group: '', max: -1 }, status.INVALID_ARGUMENT, /max \(-1\)/],
  ] as const)('maps %s to its status', async (_what, method, request, code, details) => {
    const { rpc } = await start();
    await call((cb) => rpc.lock({ group: '', id: 'holder' }, cb));
    const invoke = rpc[method].bind(rpc) as (req: object, cb: (err: ServiceError | null) => void) => void;
    const err = await call((cb) => invoke(request, cb)).then(
      () => expect.unreachable('expected an error'),
      (e: ServiceError) => e,
    );
    expect(err.code).toBe(code);
    expect(err.details).toMatch(details);
  });

  it('a corrupt stored semaphore is FAILED_PRECONDITION', async () => {
    const store = new MemorySemaphoreStore();
    store.put(semaphoreKey(), 'not json');
    const { rpc } = await start(store);
    await expect(call((cb) => rpc.status({ group: '' }, cb))).rejects.toMatchObject({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/stored semaphore is invalid/),
    });
  });

  it('an unreachable store is UNAVAILABLE; a bug is UNKNOWN without its details', async () => {
    const down = await start(failingStore('unavailable'));
    await expect(call((cb) => down.rpc.status({ group: '' }, cb))).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: 'no endpoint answered within 5s',
    });
    grpcClient?.close();
    await server?.stop(100);
    const buggy = await start(failingStore('bug'));
    await expect(call((cb) => buggy.rpc.lock({ group: '', id: 'm1' }, cb))).rejects.toMatchObject({
      code: status.UNKNOWN,
      details: 'internal error',
    });
  });
});
