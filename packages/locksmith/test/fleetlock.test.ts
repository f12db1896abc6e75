import { EventEmitter, once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { parseFleetLockRequest } from '../src/fleetlock/fleetlock-protocol.js';
import { type FleetLockServer, startFleetLockServer } from '../src/fleetlock/fleetlock-server.js';
import { semaphoreKey } from '../src/semaphore/keys.js';
import type { SemaphoreStore } from '../src/store/semaphore-store.js';
import { MemorySemaphoreStore } from '../src/testing/index.js';
import { failingStore } from './failing-store.js';

let server: FleetLockServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(store: SemaphoreStore = new MemorySemaphoreStore(), bodyBytesMax?: number) {
  const client = new SemaphoreClient({ store, casAttemptsMax: 100, sleep: () => new Promise((r) => setImmediate(r)) });
  server = await startFleetLockServer({
    host: '127.0.0.1',
    port: 0,
    client,
    ...(bodyBytesMax === undefined ? {} : { bodyBytesMax }),
  });
  const base = `http://127.0.0.1:${server.port}`;
  return { store, client, base };
}

const body = (id: string, group = 'default') => JSON.stringify({ client_params: { id, group } });

async function post(url: string, payload: string, headers: Record<string, string> = { 'fleet-lock-protocol': 'true' }) {
  const res = await fetch(url, {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return { status: res.status, json: (await res.json()) as { kind?: string; value?: string } };
}

describe('FleetLock request parsing', () => {
  it.each([
    ['GET', '/v1/pre-reboot', 'true', body('a'), 405, 'method_not_allowed'],
    ['POST', '/v2/pre-reboot', 'true', body('a'), 404, 'not_found'],
    ['POST', '/v1/pre-reboot', undefined, body('a'), 400, 'missing_fleet_lock_header'],
    ['POST', '/v1/pre-reboot', 'false', body('a'), 400, 'missing_fleet_lock_header'],
    ['POST', '/v1/pre-reboot', 'true', '{', 400, 'invalid_body'],
    ['POST', '/v1/pre-reboot', 'true', '{"id":"a"}', 400, 'invalid_body'],
    ['POST', '/v1/pre-reboot', 'true', 'null', 400, 'invalid_body'],
    ['POST', '/v1/pre-reboot', 'true', body(''), 400, 'invalid_client_identity'],
    ['POST', '/v1/pre-reboot', 'true', body('x'.repeat(300)), 400, 'invalid_client_identity'],
    ['POST', '/v1/pre-reboot', 'true', body('a', ''), 400, 'invalid_group'],
    ['POST', '/v1/pre-reboot', 'true', body('a', 'prod/db'), 400, 'invalid_group'],
    ['POST', '/v1/steady-state', 'true', '{"client_params":{"id":"a","group":7}}', 400, 'invalid_group'],
  ] as const)('%s %s header=%s %s -> %i %s', (method, path, header, text, status, kind) => {
    const parsed = parseFleetLockRequest(method, path, header, text);
    expect(parsed).toMatchObject({ ok: false, error: { status, kind } });
    if (!parsed.ok) expect(parsed.error.value.length).toBeGreaterThan(0);
  });

  it('accepts both endpoints', () => {
    expect(parseFleetLockRequest('POST', '/v1/pre-reboot', 'true', body('n1', 'workers'))).toEqual({
      ok: true,
      request: { operation: 'recursive-lock', id: 'n1', group: 'workers' },
    });
    expect(parseFleetLockRequest('POST', '/v1/steady-state', 'True', body('n1'))).toMatchObject({
      ok: true,
      request: { operation: 'unlock-if-held' },
    });
  });
});

describe('FleetLock over HTTP', () => {
  it('locks recursively, refuses others while full, unlocks if held', async () => {
    const { base, store } = await start();
    expect(await post(`${base}/v1/pre-reboot`, body('n1'))).toEqual({ status: 200, json: {} });
    expect(await post(`${base}/v1/pre-reboot`, body('n1'))).toEqual({ status: 200, json: {} });
    // group "default" is locksmith's default semaphore, shared with locksmithd
    expect((await store.get(semaphoreKey()))?.value).toBe('{"semaphore":0,"max":1,"holders":["n1"]}');
    const refused = await post(`${base}/v1/pre-reboot`, body('n2'));
    expect(refused.status).toBe(409);
    expect(refused.json.kind).toBe('failed_lock_semaphore_full');
    expect(refused.json.value).toMatch(/semaphore is at 0/);
    expect((await post(`${base}/v1/steady-state`, body('n2'))).status).toBe(200);
    expect((await post(`${base}/v1/steady-state`, body('n1'))).status).toBe(200);
    expect((await post(`${base}/v1/steady-state`, body('n1'))).status).toBe(200);
    expect((await post(`${base}/v1/pre-reboot`, body('n2'))).status).toBe(200);
  });

  it('other groups are separate semaphores', async () => {
    const { base, store } = await start();
    expect((await post(`${base}/v1/pre-reboot`, body('n1', 'workers'))).status).toBe(200);
    expect((await post(`${base}/v1/pre-reboot`, body('n2', 'db.primary'))).status).toBe(200);
    expect((await store.get(semaphoreKey('workers')))?.value).toBe('{"semaphore":0,"max":1,"holders":["n1"]}');
  });

  it('answers errors as {"kind","value"} JSON with 4xx statuses', async () => {
    const { base } = await start(new MemorySemaphoreStore(), 1024);
    const noHeader = await post(`${base}/v1/pre-reboot`, body('n1'), {});
    expect(noHeader).toMatchObject({ status: 400, json: { kind: 'missing_fleet_lock_header' } });
    const badGroup = await post(`${base}/v1/pre-reboot`, body('n1', 'a b'));
    expect(badGroup).toMatchObject({ status: 400, json: { kind: 'invalid_group' } });
    const tooLarge = await post(`${base}/v1/pre-reboot`, body('x'.repeat(2000)));
    expect(tooLarge).toMatchObject({ status: 413, json: { kind: 'body_too_large' } });
    const get = await fetch(`${base}/v1/pre-reboot`);
    expect(get.status).toBe(405);
    expect(await get.json()).toMatchObject({ kind: 'method_not_allowed' });
  });

  it('an unreachable store is a 503; a bug is a 500 with a generic message', async () => {
    const down = await start(failingStore('unavailable'));
    expect(await post(`${down.base}/v1/pre-reboot`, body('n1'))).toEqual({
      status: 503,
      json: { kind: 'failed_lock', value: 'the semaphore store is unavailable: no endpoint answered within 5s' },
    });
    await server?.close();
    const buggy = await start(failingStore('bug'));
    expect(await post(`${buggy.base}/v1/steady-state`, body('n1'))).toEqual({
      status: 500,
      json: { kind: 'failed_unlock', value: 'internal error' },
    });
  });

  it('a corrupt semaphore is a 500 naming the problem, never overwritten', async () => {
    const store = new MemorySemaphoreStore();
    store.put(semaphoreKey(), '{"semaphore":"x"}');
    const { base } = await start(store);
    expect(await post(`${base}/v1/pre-reboot`, body('n1'))).toMatchObject({
      status: 500,
      json: { kind: 'failed_semaphore_corrupt' },
    });
    expect((await store.get(semaphoreKey()))?.value).toBe('{"semaphore":"x"}');
  });

  it('max=2 with 10 concurrent clients: never more than 2 pre-reboot successes outstanding', async () => {
    const { base, client } = await start();
    await client.setMax(2);
    const releases = new EventEmitter();
    releases.setMaxListeners(20);
    let generation = 0;
    let outstanding = 0;
    let outstandingMax = 0;
    let successes = 0;
    const ids = Array.from({ length: 10 }, (_, i) => `node-${i}`);
    // all ten ask at once: exactly two get a slot
    const first = await Promise.all(ids.map((id) => post(`${base}/v1/pre-reboot`, body(id))));
    expect(first.filter((r) => r.status === 200)).toHaveLength(2);
    expect(first.filter((r) => r.status === 409)).toHaveLength(8);
    const holdingNow = (await client.status()).holders ?? [];
    expect(holdingNow).toHaveLength(2);
    outstanding = 2;
    outstandingMax = 2;
    const reboot = async (id: string) => {
      successes++;
      // "reboot", then report steady state
      await new Promise((r) => setImmediate(r));
      outstanding--;
      expect((await post(`${base}/v1/steady-state`, body(id))).status).toBe(200);
      generation++;
      releases.emit('release');
    };
    const node = async (id: string) => {
      for (;;) {
        const seen = generation;
        const res = await post(`${base}/v1/pre-reboot`, body(id));
        if (res.status === 200) break;
        expect(res.json.kind).toBe('failed_lock_semaphore_full');
        // retry once some holder has released since our attempt began
        if (generation === seen) await once(releases, 'release');
      }
      outstanding++;
      outstandingMax = Math.max(outstandingMax, outstanding);
      expect(outstanding).toBeLessThanOrEqual(2);
      expect(((await client.status()).holders ?? []).length).toBeLessThanOrEqual(2);
      await reboot(id);
    };
    await Promise.all(ids.map((id) => (holdingNow.includes(id) ? reboot(id) : node(id))));
    expect(successes).toBe(10);
    expect(outstandingMax).toBe(2);
    expect(await client.status()).toEqual({ semaphore: 2, max: 2, holders: [] });
  });
});
