import { type ChildProcess, spawn } from 'node:child_process';
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Election,
  type KeyValue,
  KvClient,
  KvError,
  Mutex,
  observeElection,
  runStm,
  Session,
  SessionExpiredError,
  UnknownOutcomeError,
} from '../src/index.js';
import { type RunningCluster, startCluster } from '../src/testing/index.js';
import { backends } from './backends.js';
import { collectUntil, within } from './helpers.js';

/** Transient cluster trouble a client of a failing member may see; the caller decides what to redo. */
function transient(err: unknown): boolean {
  return (
    err instanceof KvError &&
    ['unavailable', 'no-leader', 'request-timed-out', 'unknown-outcome', 'deadline-exceeded'].includes(err.code)
  );
}

async function retrying<T>(what: string, fn: () => Promise<T>, attempts = 50): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!transient(err) || i >= attempts)
        throw new Error(`${what} failed: ${(err as Error).message}`, { cause: err });
    }
  }
}

describe.each(backends)('concurrency recipes against $name', (backend) => {
  let cluster: RunningCluster;
  let client: KvClient;

  beforeAll(async () => {
    requireTool('etcdctl', 'apt-get install etcd-client');
    cluster = await startCluster({ size: 3, binary: backend.binary, args: backend.args ?? [] });
    client = new KvClient({ endpoints: cluster.endpoints });
  });

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('session reports loss when its lease is revoked by someone else, and close() revokes', async () => {
    const session = await Session.create(client, { ttlSeconds: 3 });
    await client.put('sess/k', 'v', { lease: session.leaseId });
    const other = new KvClient({ endpoints: cluster.endpoints });
    try {
      await other.lease.revoke(session.leaseId);
    } finally {
      other.close();
    }
    const lost = await within(3_000, 'session.lost', session.lost);
    expect(lost).toBeInstanceOf(SessionExpiredError);
    expect(session.isLost).toBe(true);

    const second = await Session.create(client, { ttlSeconds: 3 });
    // outlive the TTL by half: only the keep-alives can have kept the lease (a deliberate wait on time itself)
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    const renewed = await client.lease.timeToLive(second.leaseId);
    expect(renewed.ttlSeconds).toBeGreaterThan(0n);
    expect(second.isLost).toBe(false);
    await second.close();
    expect((await client.lease.timeToLive(second.leaseId)).ttlSeconds).toBe(-1n);
  });

  it('Mutex excludes 5 contenders while a member is killed and restarted', async () => {
    const contenders = 5;
    const rounds = 4;
    const clients = Array.from({ length: contenders }, () => new KvClient({ endpoints: cluster.endpoints }));
    const sessions = await Promise.all(clients.map((c) => Session.create(c, { ttlSeconds: 10 })));
    let inside = 0;
    let maxInside = 0;
    let acquisitions = 0;
    const fences: bigint[] = [];
    let killed: Promise<void> | undefined;
    let restarted: Promise<void> | undefined;
    const victim = cluster.members[1]!;
    await client.put('mx/counter', '0');
    const contender = async (index: number): Promise<void> => {
      const kv = clients[index]!;
      for (let round = 0; round < rounds; round++) {
        const mutex = new Mutex(sessions[index]!, 'mx/lock');
        await retrying('lock', () => mutex.lock());
        inside++;
        maxInside = Math.max(maxInside, inside);
        fences.push(mutex.revision);
        acquisitions++;
        if (acquisitions === 5) killed = victim.kill('SIGKILL');
        if (acquisitions === 12) restarted = killed!.then(() => victim.restart());
        const before = Number(await retrying('read', () => kv.getString('mx/counter')));
        try {
          await kv.put('mx/counter', String(before + 1));
        } catch (err) {
          if (!(err instanceof UnknownOutcomeError) && !transient(err)) throw err;
          // we hold the lock, so nobody else writes: find out whether it landed
          const now = Number(await retrying('re-read', () => kv.getString('mx/counter')));
          if (now === before) await retrying('re-put', () => kv.put('mx/counter', String(before + 1)));
        }
        inside--;
        await retrying('unlock', () => mutex.unlock());
      }
    };
    try {
      await within(90_000, 'all contenders', Promise.all(Array.from({ length: contenders }, (_, i) => contender(i))));
      await within(30_000, 'the victim back', restarted ?? Promise.reject(new Error('victim never restarted')));
      expect(victim.running).toBe(true);
      expect(maxInside).toBe(1);
      expect(await client.getString('mx/counter')).toBe(String(contenders * rounds));
      expect(fences).toEqual([...fences].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(new Set(fences).size).toBe(fences.length);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
      for (const c of clients) c.close();
    }
  });

  it('Election: the next campaigner wins when the leader session closes, and observe sees it', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => Session.create(client, { ttlSeconds: 10 })));
    const observer = new AbortController();
    const seen: string[] = [];
    let notify: () => void = () => {};
    const observing = (async () => {
      for await (const leader of observeElection(client, 'el/job', { signal: observer.signal })) {
        seen.push(leader.valueString);
        notify();
      }
    })();
    const sawValue = (value: string) =>
      new Promise<void>((resolve) => {
        const check = () => (seen.includes(value) ? resolve() : undefined);
        const previous = notify;
        notify = () => {
          previous();
          check();
        };
        check();
      });
    try {
      const ea = new Election(a!, 'el/job');
      await within(5_000, 'a elected', ea.campaign('a'));
      const eb = new Election(b!, 'el/job');
      const ec = new Election(c!, 'el/job');
      let bWon = false;
      const bCampaign = eb.campaign('b').then(() => {
        bWon = true;
      });
      await within(5_000, 'observer sees a', sawValue('a'));
      // c campaigns after b, so it queues behind b
      await within(
        5_000,
        'b queued',
        (async () => {
          const w = client.watch('el/job/', { prefix: true, startRevision: 1 });
          await collectUntil(w, (e) => e.length >= 2);
          w.cancel();
        })(),
      );
      const cCampaign = ec.campaign('c');
      expect(bWon).toBe(false);
      expect((await ea.leader()).valueString).toBe('a');
      await a!.close();
      await within(10_000, 'b elected', bCampaign);
      await within(5_000, 'observer sees b', sawValue('b'));
      expect((await eb.leader()).valueString).toBe('b');
      await eb.proclaim('b2');
      await within(5_000, 'observer sees b2', sawValue('b2'));
      await eb.resign();
      await within(10_000, 'c elected', cCampaign);
      await within(5_000, 'observer sees c', sawValue('c'));
      expect(seen).toEqual(['a', 'b', 'b2', 'c']);
    } finally {
      observer.abort();
      await observing.catch(() => {});
      await Promise.all([a, b, c].map((s) => s?.close()));
    }
  });

  it('STM: concurrent read-modify-write transfers keep the total', async () => {
    await client.put('stm/a', '100');
    await client.put('stm/b', '100');
    const transfer = (amount: number) =>
      runStm(client, async (tx) => {
        const a = Number(await tx.getString('stm/a'));
        const b = Number(await tx.getString('stm/b'));
        tx.put('stm/a', String(a - amount));
        tx.put('stm/b', String(b + amount));
      });
    await Promise.all(Array.from({ length: 10 }, (_, i) => transfer(i + 1)));
    const a = Number(await client.getString('stm/a'));
    const b = Number(await client.getString('stm/b'));
    expect(a + b).toBe(200);
    expect(a).toBe(100 - 55);
  });

  it('Mutex and `etcdctl lock` exclude each other on the same name', async () => {
    const endpoints = cluster.endpoints.join(',');
    const session = await Session.create(client, { ttlSeconds: 10 });
    const output = (child: ChildProcess) => {
      let out = '';
      const waiters: (() => void)[] = [];
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        for (const w of waiters.splice(0)) w();
      });
      return {
        text: () => out,
        /** Resolves when the output contains `needle` (on the data event that brings it). */
        contains: (needle: string) =>
          new Promise<void>((resolve) => {
            const check = () => (out.includes(needle) ? resolve() : waiters.push(check));
            check();
          }),
      };
    };
    const exited = (child: ChildProcess) =>
      new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    /** The next key put under the lock prefix after `revision`. */
    const nextPut = async (revision: bigint): Promise<KeyValue> => {
      const w = client.watch('ix/lock/', { prefix: true, startRevision: revision + 1n, filters: ['noDelete'] });
      const events = await collectUntil(w, (e) => e.length >= 1);
      w.cancel();
      return events[0]!.kv;
    };
    // etcdctl holds; we queue
    const start = (await client.get('ix/lock/', { prefix: true })).header.revision;
    const holder = spawn('etcdctl', [`--endpoints=${endpoints}`, 'lock', 'ix/lock'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const holderOut = output(holder);
    const holderExit = exited(holder);
    try {
      const holderKey = await within(10_000, 'etcdctl to create its lock key', nextPut(start));
      await within(10_000, 'etcdctl to print its lock key', holderOut.contains(holderKey.keyString));
      const mutex = new Mutex(session, 'ix/lock');
      let ours = false;
      const locking = mutex.lock().then(() => {
        ours = true;
      });
      locking.catch(() => {});
      const queued = await within(5_000, 'our key queued behind etcdctl', nextPut(holderKey.modRevision));
      expect(queued.keyString).toBe(mutex.key);
      await expect(within(1_000, 'lock', locking)).rejects.toThrow(/timed out/);
      expect(ours).toBe(false);
      holder.kill('SIGINT');
      expect(await within(10_000, 'etcdctl exit', holderExit)).toBe(0);
      await within(10_000, 'our lock after etcdctl released', locking);
      expect(ours).toBe(true);
      expect(await client.getKv(holderKey.key)).toBeUndefined();

      // we hold; etcdctl queues and runs its command only after we unlock
      const held = (await client.get('ix/lock/', { prefix: true })).header.revision;
      const waiter = spawn('etcdctl', [`--endpoints=${endpoints}`, 'lock', 'ix/lock', 'echo', 'got-it'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const waiterOut = output(waiter);
      const waiterExit = exited(waiter);
      await within(10_000, 'etcdctl key queued', nextPut(held));
      await expect(within(1_000, 'etcdctl exit', waiterExit)).rejects.toThrow(/timed out/);
      expect(waiterOut.text()).not.toContain('got-it');
      await mutex.unlock();
      expect(await within(10_000, 'etcdctl exit', waiterExit)).toBe(0);
      expect(waiterOut.text()).toContain('got-it');
    } finally {
      holder.kill('SIGKILL');
      await session.close();
    }
  });

  it('session reports loss when no keep-alive is answered within the TTL (every member hung)', async () => {
    const session = await Session.create(client, { ttlSeconds: 2 });
    const stopped = cluster.members.filter((m) => m.running);
    try {
      for (const member of stopped) await member.kill('SIGSTOP');
      const started = Date.now();
      const lost = await within(5_000, 'session.lost', session.lost);
      expect(lost).toBeInstanceOf(SessionExpiredError);
      expect(lost.message).toMatch(/no keep-alive answered within the lease TTL/);
      expect(Date.now() - started).toBeLessThanOrEqual(2_000 + 1_500); // TTL, plus slack for a loaded machine
    } finally {
      for (const member of stopped) await member.kill('SIGCONT');
    }
  });
});
