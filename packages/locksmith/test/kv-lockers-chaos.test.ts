import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backoffDelayMs, withJitter } from '../src/client/backoff.js';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { LocksmithError } from '../src/errors.js';
import { semaphoreKey } from '../src/semaphore/keys.js';
import { decodeSemaphore } from '../src/semaphore/semaphore.js';
import { KvSemaphoreStore } from '../src/store/kv-semaphore-store.js';
import { kvBackends, requireBackend } from './kv-backends.js';

const LOCKERS = 20;
const MAX = 2;
/** How long a locker keeps its slot: the "reboot" it took the slot for. */
const HOLD_MS = 60;
const RETRY = { initialMs: 20, maxMs: 400 };

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts acquisitions and lets the chaos driver await the n-th one. */
class Progress {
  acquired = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  record(): void {
    this.acquired++;
    this.waiters = this.waiters.filter((w) => {
      if (this.acquired < w.n) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves once `n` acquisitions happened (or every locker has had its turn). */
  reached(n: number): Promise<void> {
    if (this.acquired >= Math.min(n, LOCKERS)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n: Math.min(n, LOCKERS), resolve }));
  }
}

/** Retries an operation that failed with an operating error (full, contention, store down). */
async function untilDone<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof LocksmithError) || err.code === 'corrupt-semaphore' || err.code === 'invalid-argument') {
        throw new Error(`${what} failed: ${String(err)}`);
      }
      await delay(withJitter(backoffDelayMs(RETRY, attempt), Math.random));
    }
  }
}

describe.each(kvBackends)('20 lockers against max=2 while $name members are killed and restarted', (backend) => {
  let cluster: RunningCluster;
  const clients: KvClient[] = [];

  beforeAll(async () => {
    requireBackend(backend);
    cluster = await startCluster({ size: 3, binary: backend.binary });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  it('never more than 2 holders in any stored version, and every locker gets its turn', async () => {
    const admin = new KvClient({ endpoints: cluster.endpoints });
    clients.push(admin);
    await new SemaphoreClient({ store: new KvSemaphoreStore({ client: admin }) }).setMax(MAX);

    const progress = new Progress();
    const downDuring: number[] = [];
    const locker = async (index: number) => {
      const endpoints = [...cluster.endpoints.slice(index % 3), ...cluster.endpoints.slice(0, index % 3)];
      const kv = new KvClient({ endpoints, callTimeoutMs: 3_000 });
      clients.push(kv);
      const client = new SemaphoreClient({ store: new KvSemaphoreStore({ client: kv }) });
      const id = `machine-${String(index).padStart(2, '0')}`;
      await untilDone(`lock ${id}`, () => client.lock(id));
      if (cluster.members.some((m) => !m.running)) downDuring.push(index);
      progress.record();
      await delay(HOLD_MS);
      await untilDone(`unlock ${id}`, () => client.unlockIfHeld(id));
    };

    const kills: string[] = [];
    const chaos = async () => {
      for (const [i, member] of cluster.members.entries()) {
        await progress.reached(3 + i * 6);
        await member.kill('SIGKILL');
        kills.push(member.name);
        await progress.reached(5 + i * 6);
        await member.restart();
      }
    };

    await Promise.all([chaos(), ...Array.from({ length: LOCKERS }, (_, i) => locker(i))]);
    expect(kills).toEqual(['m0', 'm1', 'm2']);
    expect(downDuring.length).toBeGreaterThan(0);

    // Every version the key ever had, from its creation, through a watch from revision 1.
    const key = semaphoreKey();
    const final = await admin.getKv(key);
    expect(final).toBeDefined();
    const abort = new AbortController();
    const versions: { version: bigint; value: string }[] = [];
    for await (const batch of admin.watch(key, { startRevision: 1, signal: abort.signal })) {
      for (const event of batch.events) {
        expect(event.type).toBe('put');
        versions.push({ version: event.kv.version, value: event.kv.valueString });
      }
      if (batch.events.at(-1)?.kv.modRevision === final!.modRevision) break;
    }
    abort.abort();
    expect(versions.map((v) => v.version)).toEqual(
      Array.from({ length: Number(final!.version) }, (_, i) => BigInt(i + 1)),
    );

    const entered = new Map<string, number>();
    let previous: readonly string[] = [];
    for (const { version, value } of versions) {
      const s = decodeSemaphore(value);
      const holders = s.holders ?? [];
      expect(holders.length, `version ${version}: ${value}`).toBeLessThanOrEqual(MAX);
      expect(s.semaphore, `version ${version}: ${value}`).toBe(s.max - holders.length);
      for (const id of holders) if (!previous.includes(id)) entered.set(id, (entered.get(id) ?? 0) + 1);
      previous = holders;
    }
    expect(entered.size).toBe(LOCKERS);
    expect([...entered.values()].every((n) => n === 1)).toBe(true);
    expect(decodeSemaphore(final!.valueString)).toEqual({ semaphore: MAX, max: MAX, holders: [] });
  });
});
