import { etcdserverpb } from '@coreos-ts/proto';
import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/errors.js';
import { defaultWatchConfig } from '../../src/watch/watch-config.js';
import { WatchHub } from '../../src/watch/watch-hub.js';
import { watchOptionsFrom } from '../../src/watch/watcher.js';
import { b, del, memoryStore, put } from '../mvcc/helpers.js';
import { RecordingSink } from './helpers.js';

const { NOPUT, NODELETE } = etcdserverpb.WatchCreateRequest_FilterType;

describe('WatchHub', () => {
  it('delivers each write revision to synced watchers as one response, in order', async () => {
    const store = await memoryStore();
    const hub = new WatchHub(store);
    const one = new RecordingSink();
    const prefix = new RecordingSink();
    hub.watch({ key: b('a') }, one);
    hub.watch({ key: b('a'), rangeEnd: b('b'), watchId: 7n }, prefix);
    put(store, 'a', '1'); // 2
    put(store, 'b', '1'); // 3
    store.txn(
      etcdserverpb.TxnRequest.create({
        success: [
          { requestPut: etcdserverpb.PutRequest.create({ key: b('a'), value: b('2') }) },
          { requestPut: etcdserverpb.PutRequest.create({ key: b('a/x'), value: b('2') }) },
        ],
      }),
    ); // 4
    del(store, 'a'); // 5
    expect(one.events()).toEqual(['PUT a@2', 'PUT a@4', 'DELETE a@5']);
    expect(prefix.got.map((r) => r.events.length)).toEqual([1, 2, 1]);
    expect(prefix.got.map((r) => r.header?.revision)).toEqual([2n, 4n, 5n]);
    expect(prefix.got.every((r) => r.watchId === 7n)).toBe(true);
    expect(hub.stats()).toEqual({ synced: 2, unsynced: 0, pendingEvents: 0 });
  });

  it('catches up from history, then continues synced', async () => {
    const store = await memoryStore();
    for (let i = 0; i < 10; i++) put(store, i % 2 === 0 ? 'a' : 'b', `${i}`); // revs 2..11
    const hub = new WatchHub(store, { ...defaultWatchConfig(), catchUpEventsMax: 2, catchUpScanMax: 3 });
    const sink = new RecordingSink();
    const id = hub.watch({ key: b('a'), startRevision: 4n }, sink);
    expect(hub.isSynced(id)).toBe(false);
    let steps = 0;
    while (hub.syncUnsynced() > 0 && steps < 20) steps++;
    expect(steps).toBeGreaterThan(1); // it took several bounded chunks
    expect(hub.isSynced(id)).toBe(true);
    put(store, 'a', 'new'); // 12
    expect(sink.events()).toEqual(['PUT a@4', 'PUT a@6', 'PUT a@8', 'PUT a@10', 'PUT a@12']);
  });

  it('tells a watcher that starts below the compaction revision, and drops it', async () => {
    const store = await memoryStore();
    for (let i = 0; i < 5; i++) put(store, 'a', `${i}`); // revs 2..6
    store.compact(etcdserverpb.CompactionRequest.create({ revision: 5n }));
    const hub = new WatchHub(store);
    const late = new RecordingSink();
    const atCompaction = new RecordingSink();
    const id = hub.watch({ key: b('a'), startRevision: 3n, watchId: 9n }, late);
    hub.watch({ key: b('a'), startRevision: 5n }, atCompaction);
    hub.syncUnsynced();
    expect(late.got).toHaveLength(1);
    expect(late.got[0]).toMatchObject({ watchId: 9n, compactRevision: 5n, canceled: true, events: [] });
    expect(hub.cancel(id)).toBe(false);
    expect(atCompaction.events()).toEqual(['PUT a@5', 'PUT a@6']);
  });

  it('like etcd, a delete at exactly the compaction revision is gone from history', async () => {
    const store = await memoryStore();
    put(store, 'w', '1'); // 2
    del(store, 'w'); // 3
    put(store, 'w', '2'); // 4
    store.compact(etcdserverpb.CompactionRequest.create({ revision: 3n }));
    const hub = new WatchHub(store);
    const sink = new RecordingSink();
    hub.watch({ key: b('w'), startRevision: 3n }, sink);
    hub.syncUnsynced();
    expect(sink.events()).toEqual(['PUT w@4']);
  });

  it('applies NOPUT/NODELETE filters and prev_kv', async () => {
    const store = await memoryStore();
    const hub = new WatchHub(store);
    const noPut = new RecordingSink();
    const noDelete = new RecordingSink();
    const withPrev = new RecordingSink();
    hub.watch({ key: b('a'), filters: [NOPUT] }, noPut);
    hub.watch({ key: b('a'), filters: [NODELETE] }, noDelete);
    hub.watch({ key: b('a'), prevKv: true }, withPrev);
    put(store, 'a', '1');
    put(store, 'a', '2');
    del(store, 'a');
    expect(noPut.events()).toEqual(['DELETE a@4']);
    expect(noDelete.events()).toEqual(['PUT a@2', 'PUT a@3']);
    const prevs = withPrev.got.map((r) => r.events[0]?.prevKv?.value.toString());
    expect(prevs).toEqual([undefined, '1', '2']);
  });

  it('prev_kv also during catch-up', async () => {
    const store = await memoryStore();
    put(store, 'a', '1');
    put(store, 'a', '2');
    const hub = new WatchHub(store);
    const sink = new RecordingSink();
    hub.watch({ key: b('a'), startRevision: 3n, prevKv: true }, sink);
    hub.syncUnsynced();
    expect(sink.got[0]?.events[0]?.prevKv?.value.toString()).toBe('1');
  });

  it('queues for a full sink, falls back to history past the bound, and loses nothing', async () => {
    const store = await memoryStore();
    const hub = new WatchHub(store, { ...defaultWatchConfig(), pendingEventsMax: 3, catchUpEventsMax: 2 });
    const sink = new RecordingSink();
    const id = hub.watch({ key: b('k'), rangeEnd: b('l') }, sink);
    put(store, 'k1', 'x'); // 2, delivered
    sink.open = false;
    put(store, 'k1', 'y'); // 3, queued
    put(store, 'k2', 'y'); // 4, queued
    expect(hub.stats().pendingEvents).toBe(2);
    expect(hub.isSynced(id)).toBe(false);
    put(store, 'k3', 'y'); // 5, queued (3 events)
    put(store, 'k4', 'y'); // 6, overflow: unsynced from 3
    expect(hub.stats()).toEqual({ synced: 0, unsynced: 1, pendingEvents: 0 });
    put(store, 'k5', 'y'); // 7, ignored while unsynced
    hub.syncUnsynced(); // sink still full: no progress
    expect(sink.got).toHaveLength(1);
    sink.open = true;
    for (let i = 0; i < 10 && !hub.isSynced(id); i++) hub.resume(id);
    expect(hub.isSynced(id)).toBe(true);
    put(store, 'k6', 'z'); // 8
    expect(sink.events()).toEqual(['PUT k1@2', 'PUT k1@3', 'PUT k2@4', 'PUT k3@5', 'PUT k4@6', 'PUT k5@7', 'PUT k6@8']);
  });

  it('drains the queue on resume without falling back when within the bound', async () => {
    const store = await memoryStore();
    const hub = new WatchHub(store);
    const sink = new RecordingSink();
    const id = hub.watch({ key: b('a') }, sink);
    sink.open = false;
    put(store, 'a', '1');
    put(store, 'a', '2');
    sink.open = true;
    put(store, 'a', '3'); // still behind the queue: must not overtake it
    expect(sink.events()).toEqual([]);
    hub.resume(id);
    expect(sink.events()).toEqual(['PUT a@2', 'PUT a@3', 'PUT a@4']);
    expect(hub.isSynced(id)).toBe(true);
  });

  it('sends progress notifications only to caught-up watchers', async () => {
    const store = await memoryStore();
    put(store, 'a', '1');
    const hub = new WatchHub(store);
    const synced = new RecordingSink();
    const behind = new RecordingSink();
    const s = hub.watch({ key: b('a'), progressNotify: true }, synced);
    const u = hub.watch({ key: b('a'), startRevision: 1n, progressNotify: true }, behind);
    expect(hub.notifyProgress()).toBe(1);
    expect(synced.got[0]).toMatchObject({ events: [], header: { revision: 2n } });
    expect(hub.progress(u)).toBe(false);
    expect(hub.progress(s)).toBe(true);
    expect(behind.got).toEqual([]);
  });

  it('bounds the number of watchers', async () => {
    const store = await memoryStore();
    const hub = new WatchHub(store, { ...defaultWatchConfig(), watchersMax: 2 });
    hub.watch({ key: b('a') }, new RecordingSink());
    const id = hub.watch({ key: b('a') }, new RecordingSink());
    expect(() => hub.watch({ key: b('a') }, new RecordingSink())).toThrow(new KvError('TooManyRequests'));
    hub.cancel(id);
    expect(hub.watch({ key: b('a') }, new RecordingSink())).toBeGreaterThan(0);
  });

  it('future start revisions skip earlier writes', async () => {
    const store = await memoryStore();
    const hub = new WatchHub(store);
    const sink = new RecordingSink();
    hub.watch({ key: b('a'), startRevision: 4n }, sink);
    put(store, 'a', '1'); // 2
    put(store, 'a', '2'); // 3
    put(store, 'a', '3'); // 4
    expect(sink.events()).toEqual(['PUT a@4']);
  });
});

describe('watchOptionsFrom', () => {
  it('maps a WatchCreateRequest, letting the hub pick the id when watch_id is 0', async () => {
    const store = await memoryStore();
    const hub = new WatchHub(store);
    const sink = new RecordingSink();
    const req = etcdserverpb.WatchCreateRequest.create({
      key: b('a'),
      rangeEnd: b('b'),
      filters: [NOPUT],
      prevKv: true,
    });
    const id = hub.watch(watchOptionsFrom(req), sink);
    hub.watch(watchOptionsFrom({ ...req, watchId: 42n, filters: [] }), sink);
    put(store, 'a1', 'x');
    del(store, 'a1');
    expect(sink.got.map((r) => [r.watchId, r.events[0]?.type])).toEqual([
      [42n, 0],
      [BigInt(id), 1],
      [42n, 1],
    ]);
    expect(sink.got[1]?.events[0]?.prevKv?.value.toString()).toBe('x');
  });
});
