import { readFileSync } from 'node:fs';
import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompactedError, KvClient, type WatchEvent } from '../src/index.js';
import { type RunningCluster, startCluster } from '../src/testing/index.js';
import { backends } from './backends.js';
import { collectUntil, within } from './helpers.js';

/** Resolves once the process is in the stopped state (the signal is asynchronous). */
async function stopped(pid: number): Promise<void> {
  await waitUntil(
    `process ${pid} to stop`,
    async () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T'),
    {
      timeoutMs: 5000,
      intervalMs: 10,
    },
  );
}

describe.each(backends)('watch against $name', (backend) => {
  let cluster: RunningCluster;
  let client: KvClient;

  beforeAll(async () => {
    cluster = await startCluster({ size: 3, binary: backend.binary, args: backend.args ?? [] });
    client = new KvClient({ endpoints: cluster.endpoints });
  });

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('delivers puts and deletes with prevKv, in order, and stops on abort', async () => {
    const abort = new AbortController();
    const watcher = client.watch('wb/', { prefix: true, prevKv: true, signal: abort.signal });
    await within(5_000, 'watch created', watcher.created);
    await client.put('wb/a', '1');
    await client.put('wb/a', '2');
    await client.delete('wb/a');
    const events = await within(
      5_000,
      'three events',
      collectUntil(watcher, (e) => e.length >= 3),
    );
    expect(events.map((e) => [e.type, e.kv.keyString, e.kv.valueString, e.prevKv?.valueString])).toEqual([
      ['put', 'wb/a', '1', undefined],
      ['put', 'wb/a', '2', '1'],
      ['delete', 'wb/a', '', '2'],
    ]);
    abort.abort();
    expect(await within(5_000, 'end after abort', watcher.next())).toEqual({ value: undefined, done: true });
  });

  it('replays history from startRevision and honours filters', async () => {
    const first = await client.put('wh/k', 'a');
    await client.put('wh/k', 'b');
    await client.delete('wh/k');
    const all = client.watch('wh/k', { startRevision: first.header.revision });
    const history = await within(
      5_000,
      'history',
      collectUntil(all, (e) => e.length >= 3),
    );
    expect(history.map((e) => e.type)).toEqual(['put', 'put', 'delete']);
    expect(history[0]?.kv.modRevision).toBe(first.header.revision);
    all.cancel();
    const deletesOnly = client.watch('wh/k', { startRevision: first.header.revision, filters: ['noPut'] });
    const deletes = await within(
      5_000,
      'delete event',
      collectUntil(deletesOnly, (e) => e.length >= 1),
    );
    expect(deletes.map((e) => e.type)).toEqual(['delete']);
    deletesOnly.cancel();
  });

  it('multiplexes many watches on one client', async () => {
    const watchers = Array.from({ length: 20 }, (_, i) => client.watch(`wm/${i}`));
    await within(10_000, 'all created', Promise.all(watchers.map((w) => w.created)));
    await Promise.all(watchers.map((_, i) => client.put(`wm/${i}`, String(i))));
    const firsts = await within(
      10_000,
      'one event per watch',
      Promise.all(watchers.map((w) => collectUntil(w, (e) => e.length >= 1))),
    );
    expect(firsts.map((e) => e[0]?.kv.valueString)).toEqual(watchers.map((_, i) => String(i)));
    for (const w of watchers) w.cancel();
  });

  it("pauses a slow consumer's watch at the buffer bound and resumes it without a gap", async () => {
    const small = new KvClient({ endpoints: cluster.endpoints, watchBufferBatchesMax: 3 });
    try {
      const watcher = small.watch('wf/', { prefix: true });
      await within(5_000, 'watch created', watcher.created);
      let last = 0n;
      for (let i = 0; i < 30; i++) last = (await client.put(`wf/${i}`, String(i))).header.revision;
      expect(watcher.paused).toBe(true);
      const events = await within(
        10_000,
        'all 30 events',
        collectUntil(watcher, (e) => e.at(-1)?.kv.modRevision === last),
      );
      expect(events.map((e) => e.kv.valueString)).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
      expect(watcher.paused).toBe(false);
      watcher.cancel();
    } finally {
      small.close();
    }
  });

  it('resumes on another member after a hang and kill -9 without losing, repeating or reordering events', async () => {
    const watchClient = new KvClient({ endpoints: cluster.endpoints });
    const watcher = watchClient.watch('wr/', { prefix: true });
    await within(5_000, 'watch created', watcher.created);
    const victim = cluster.members.find((m) => m.clientUrl === watcher.endpoint);
    expect(victim, `watch endpoint ${watcher.endpoint} is a member`).toBeDefined();
    const writer = new KvClient({ endpoints: cluster.endpoints.filter((e) => e !== victim!.clientUrl) });
    const total = 300;
    const events: WatchEvent[] = [];
    const listeners = new Set<() => void>();
    /** Resolves once `predicate` holds, checked now and after every batch the reader takes. */
    const until = (predicate: () => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!predicate()) return;
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        check();
      });
    const reading = (async () => {
      for (;;) {
        const next = await watcher.next();
        if (next.done) return;
        events.push(...next.value.events);
        for (const listener of [...listeners]) listener();
      }
    })();
    let lastWriteRevision = 0n;
    let written = 0;
    const writing = (async () => {
      let failed = 0;
      for (let i = 0; i < total; i++) {
        try {
          const put = await writer.put(`wr/${String(i).padStart(4, '0')}`, String(i));
          lastWriteRevision = put.header.revision;
          written++;
          for (const listener of [...listeners]) listener();
        } catch {
          failed++; // leader election after the kill: the key may or may not exist; the store says
        }
      }
      return failed;
    })();
    try {
      await within(
        20_000,
        'a third of the events',
        until(() => events.length >= total / 3),
      );
      // the member hangs first (its stream stays open but goes silent while writes go on
      // elsewhere), then dies: the resumed watch must cover everything written meanwhile
      await victim!.kill('SIGSTOP');
      const before = written;
      await within(
        20_000,
        'writes while the member hangs',
        until(() => written >= before + 30),
      );
      await victim!.kill('SIGKILL');
      const failed = await within(60_000, 'writer done', writing);
      expect(failed).toBeLessThan(total / 2);
      const caughtUp = await within(
        30_000,
        'watch to catch up with the last write',
        until(() => (events.at(-1)?.kv.modRevision ?? 0n) >= lastWriteRevision),
      ).then(
        () => true,
        () => false,
      );
      const stored = await writer.get('wr/', { prefix: true, sortTarget: 'mod', sortOrder: 'ascend' });
      const seen = events.map((e) => `${e.kv.keyString}@${e.kv.modRevision}`);
      const expected = stored.kvs.map((kv) => `${kv.keyString}@${kv.modRevision}`);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expected);
      expect(caughtUp).toBe(true);
      expect(watcher.endpoint).not.toBe(victim!.clientUrl);
    } finally {
      watcher.cancel();
      await reading.catch(() => {});
      watchClient.close();
      writer.close();
      await victim!.restart();
    }
  });

  it('fails a resume whose revision was compacted with CompactedError', async () => {
    const member = cluster.members[0]!;
    const others = cluster.endpoints.filter((e) => e !== member.clientUrl);
    const pinned = new KvClient({ endpoints: [member.clientUrl], watchReconnectTimeoutMs: 60_000 });
    const writer = new KvClient({ endpoints: others });
    try {
      const watcher = pinned.watch('wc/k');
      await within(5_000, 'watch created', watcher.created);
      await writer.put('wc/k', 'before');
      const before = await within(
        5_000,
        'first event',
        collectUntil(watcher, (e) => e.length >= 1),
      );
      expect(before[0]?.kv.valueString).toBe('before');
      await member.kill('SIGKILL');
      await writer.put('wc/k', 'missed-1');
      const last = await writer.put('wc/k', 'missed-2');
      await writer.compact(last.header.revision, { physical: true });
      await member.restart();
      const failure = await within(
        30_000,
        'the watch to fail',
        watcher.next().then(
          (r) => r,
          (err) => err,
        ),
      );
      expect(failure).toBeInstanceOf(CompactedError);
      expect((failure as CompactedError).compactRevision).toBe(last.header.revision);
    } finally {
      pinned.close();
      writer.close();
    }
  });

  it('moves a watch whose create a hung member never answers to another member', async () => {
    // hang a follower (hanging the leader would add an election to what is tested)
    const statuses = await Promise.all(
      cluster.members.map((m) => client.maintenance.status({ endpoint: m.clientUrl })),
    );
    const member = cluster.members[statuses.findIndex((s) => s.leader !== s.header.memberId)]!;
    const others = cluster.endpoints.filter((e) => e !== member.clientUrl);
    const hungFirst = new KvClient({ endpoints: [member.clientUrl, ...others], callTimeoutMs: 1_000 });
    try {
      await hungFirst.get('wx/warm-up'); // the connection to the member is up
      await member.kill('SIGSTOP');
      await stopped(member.pid!);
      const watcher = hungFirst.watch('wx/k');
      await within(10_000, 'watch created elsewhere', watcher.created);
      expect(watcher.endpoint).not.toBe(member.clientUrl);
      const writer = new KvClient({ endpoints: others });
      await writer.put('wx/k', 'seen');
      writer.close();
      const events = await within(
        5_000,
        'the event',
        collectUntil(watcher, (e) => e.length >= 1),
      );
      expect(events[0]?.kv.valueString).toBe('seen');
      watcher.cancel();
    } finally {
      await member.kill('SIGCONT');
      hungFirst.close();
    }
  });
});
